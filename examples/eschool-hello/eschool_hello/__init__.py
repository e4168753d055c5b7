"""eschool-hello: a greetings board per school, the example plugin of the plugin tutorial."""
