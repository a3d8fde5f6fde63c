UPDATE organisations SET books_version = books_version + 1
