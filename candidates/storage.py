from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """Files with no public address: they are served only through a permission-checked view."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a view.")


def cv_storage() -> Storage:
    # A callable, so settings (and tests) choose the backend at run time, not at import.
    return storages["cv"]
