from django.core.files.storage import FileSystemStorage, Storage, storages
from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]


class PrivateFileSystemStorage(FileSystemStorage):
    """Files with no public address: they are served only through a permission-checked view."""

    def url(self, name: str | None) -> str:
        # Django's own answer for a storage without addresses (Storage.url's contract).
        raise NotImplementedError("Private files have no URL; serve them through a view.")


class PrivateS3Storage(S3Storage):  # type: ignore[misc]
    """The same promise on an S3-compatible bucket: not even a signed link leaves the server."""

    def url(self, name: str | None, *args: object, **kwargs: object) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a view.")


def cv_storage() -> Storage:
    # A callable, so settings (and tests) choose the backend at run time, not at import.
    return storages["cv"]
