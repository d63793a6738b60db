"""Stores: the database side of each port, one module per kind of record the pipeline keeps."""
