"""SMS delivery for notifications: an SMS.ru-style HTTP gateway and a log-only gateway (the ``sms`` plugin)."""
