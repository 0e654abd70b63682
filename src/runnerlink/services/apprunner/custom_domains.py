"""(being written)"""

HANDLERS: dict = {}
READ_ONLY: set = set()
ADMIN: dict = {}
