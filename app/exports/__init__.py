"""File writers for downloads: one `Download` in, bytes out; one registry. No HTTP here."""
