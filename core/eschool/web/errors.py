"""An error shown as a page (or, under /api/, as the JSON error format)."""


class PageError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message
