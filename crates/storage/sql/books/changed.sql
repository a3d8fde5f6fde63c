UPDATE organisations SET books_version = books_version + 1 WHERE id = $1
