"""The school kiosk: six thematic sections of texts and pictures, shown full-screen on a device."""
