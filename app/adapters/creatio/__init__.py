"""Creatio adapter: the only code that knows Creatio's URLs, OAuth and OData payloads."""

from app.adapters.creatio.batch import MAX_BATCH_SIZE, BatchOperation, BatchResult
from app.adapters.creatio.client import CreatioClient
from app.adapters.creatio.discovery import TokenEndpoint
from app.adapters.creatio.errors import (
    AuthReason,
    CreatioAmbiguousNameError,
    CreatioAuthError,
    CreatioAuthUnavailableError,
    CreatioError,
    CreatioPermanentError,
    CreatioReferenceError,
    CreatioRetryableError,
    InvalidCreatioUrl,
)
from app.adapters.creatio.http import build_http_client
from app.adapters.creatio.instance import CreatioInstance
from app.adapters.creatio.odata import (
    MAX_TOP,
    ODataPage,
    ids_filter,
    odata_bool,
    odata_datetime,
    odata_guid,
    odata_string,
)
from app.adapters.creatio.odata_root import ODataRootFound
from app.adapters.creatio.token import TokenState
from app.adapters.creatio.urls import (
    CheckedUrl,
    check_identity_url,
    check_instance_url,
    default_identity_base,
    normalize_identity_url,
    normalize_instance_url,
)

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_TOP",
    "AuthReason",
    "BatchOperation",
    "BatchResult",
    "CheckedUrl",
    "CreatioAmbiguousNameError",
    "CreatioAuthError",
    "CreatioAuthUnavailableError",
    "CreatioClient",
    "CreatioError",
    "CreatioInstance",
    "CreatioPermanentError",
    "CreatioReferenceError",
    "CreatioRetryableError",
    "InvalidCreatioUrl",
    "ODataPage",
    "ODataRootFound",
    "TokenEndpoint",
    "TokenState",
    "build_http_client",
    "check_identity_url",
    "check_instance_url",
    "default_identity_base",
    "ids_filter",
    "normalize_identity_url",
    "normalize_instance_url",
    "odata_bool",
    "odata_datetime",
    "odata_guid",
    "odata_string",
]
