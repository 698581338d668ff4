from tests.s3 import s3, s3_server  # noqa: F401 - the S3 server's fixtures
