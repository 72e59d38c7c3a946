"""Small official records for importer and lookup tests, and writers of files in each format.

Every value is copied from ../shared/data/dichvucong (July 2026 crawls), trimmed to the keys the
importers read, so the tests need no copy of the reference data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from openpyxl import Workbook

# portal-api/catalog.jsonl, line 1: a province's own (SPECIFIC) procedure of Huế.
CATALOGUE_SEMICONDUCTOR = {
    "id": "019f6f67-c3a8-7163-8167-02e782ebf1c2",
    "name": "Thủ tục Hỗ trợ doanh nghiệp tham gia chuỗi cung ứng bán dẫn",
    "code": "3.000616",
    "codeNotation": "3.000616",
    "categories": ["Công nghiệp công nghệ số, công nghệ thông tin, điện tử"],
    "departments": ["Sở Khoa học và Công nghệ"],
    "departmentPromulgate": "UBND Thành phố Huế",
    "formalityTargetType": ["Doanh nghiệp Việt Nam"],
    "state": "ACTIVE",
    "type": "SPECIFIC",
}
# portal-api/catalog.jsonl, line 1023: Đà Nẵng's own procedure (its details are below).
CATALOGUE_HOUSE_NUMBER = {
    "id": "019dbd74-6433-769b-880a-b3bbe66d7694",
    "name": "Cấp mới/cấp lại Giấy chứng nhận số nhà ",
    "code": "1.009141",
    "codeNotation": "1.009141",
    "categories": ["Hoạt động xây dựng"],
    "departments": ["Ủy ban nhân dân cấp xã"],
    "departmentPromulgate": "UBND Thành phố Đà Nẵng",
    "state": "ACTIVE",
    "type": "SPECIFIC",
}
# portal-api/catalog.jsonl, line 5608: a procedure the project has curated.
CATALOGUE_RESIDENCE = {
    "id": "019d2bf7-7704-7449-9e95-fe7ebb959aa2",
    "name": "Đăng ký thường trú",
    "code": "1.004222",
    "codeNotation": "1.004222",
    "categories": ["Đăng ký, quản lý cư trú"],
    "departments": ["Công an cấp Xã"],
    "departmentPromulgate": "Bộ Công an",
    "state": "UPDATED",
    "type": "STANDARD",
}
# portal-api/catalog.jsonl, line 1310: a broken procedure code in the official data.
CATALOGUE_BAD_CODE = {
    "id": "019d89c4-b3f8-75f8-96f7-0ca64ac65562",
    "name": "Cấp phép thi công nút giao đấu nối vào đường địa phương đang khai thác",
    "code": "1.0133611",
    "categories": ["Đường bộ"],
    "departments": ["Sở Xây dựng - Tỉnh Đắk Lắk"],
    "departmentPromulgate": "UBND tỉnh Đắk Lắk",
    "state": "ACTIVE",
    "type": "STANDARD",
}

# portal-api/details/1.009141.json ("data"), without steps and internal ids.
DETAIL_HOUSE_NUMBER: Dict[str, Any] = {
    "id": "019dbd74-6433-769b-880a-b3bbe66d7694",
    "code": "1.009141",
    "name": "Cấp mới/cấp lại Giấy chứng nhận số nhà ",
    "type": "SPECIFIC",
    "isFullProcess": False,
    "isWard": True,
    "isProvince": False,
    "isMinistry": False,
    "executionMethods": [
        {
            "submissionMethod": method,
            "processingTime": 3,
            "processingTimeUnit": "WORKING_DAY",
            "description": "",
            "fees": [],
        }
        for method in ("DIRECT", "ONLINE", "POSTAL")
    ],
    "executionCases": [
        {
            "name": "",
            "profileComponents": [
                {
                    "originalQty": 1,
                    "copyQty": 0,
                    "required": False,
                    "name": "Đơn đề nghị cấp giấy chứng nhận số nhà",
                    "code": "H17-KQ005079",
                    "attachments": [],
                }
            ],
        }
    ],
    "categoriesDetails": [{"name": "Hoạt động xây dựng", "code": "G17-XD11"}],
    "unitGroupsExecuting": [{"name": "Ủy ban nhân dân cấp xã"}],
    "departmentsExecuting": [],
    "executingAgencies": "",
    "dossierReceivingAddresses": (
        "Trung tâm Phục vụ hành chính công thành phố/ Trung tâm Phục vụ hành chính công cấp xã"
    ),
    "legalBasisesDetails": [
        {
            "name": "Quy định đánh số và gắn biển số nhà, công trình xây dựng do Bộ trưởng Bộ "
            "Xây dựng ban hành",
            "code": "08/2024/TT-BXD",
        }
    ],
    "resultsDetails": [{"name": "Giấy chứng nhận biển số nhà.", "code": "KQ.H12.000071"}],
    "requirementsAndConditions": "Không có",
    "departmentPromulgateName": "UBND Thành phố Đà Nẵng",
    "cases": [
        {
            "name": "Cấp mới/cấp lại Giấy chứng nhận số nhà",
            "code": "1.009141.01",
            "processingDay": {"qty": 3, "type": "WORKING_DAY"},
        }
    ],
}

# national-crawl/bo-tu-phap/1.013837.json, without raw_text and steps.
CRAWL_NOTARY_OFFICE = {
    "ma_thu_tuc": "1.013837",
    "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfd-7e8c-77d9-8285-fbef35a00a2f",
    "ten_thu_tuc": "Cấp lại Giấy đăng ký hoạt động cho Văn phòng công chứng do bị mất, hỏng",
    "cap_thuc_hien": "Cấp tỉnh",
    "linh_vuc": "Công chứng",
    "dia_chi_tiep_nhan": "",
    "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến5 Ngày làm việc"
    "500,000 Việt Nam Đồng(/hồ sơ)Dịch vụ bưu chính5 Ngày làm việc500,000 Việt Nam Đồng"
    "(/hồ sơ)Trực tiếp5 Ngày làm việc500,000 Việt Nam Đồng(/hồ sơ)",
    "thanh_phan_ho_so": "--Tên giấy tờMẫu đơn, tờ khaiSố lượngBản chính giấy đăng ký hoạt động "
    "của Văn phòng công chứng trong trường hợp giấy đăng ký hoạt động bị hỏng1 bản chínhĐơn đề "
    "nghị cấp lại giấy đăng ký hoạt động của Văn phòng công chứng1 bản chính",
    "can_cu_phap_ly": "Tên văn bản pháp lýMã văn bảnNghị định số 104/2025/NĐ-CP ngày 15/5/2025 "
    "của Chính phủ quy định chi tiết một số điều và biện pháp thi hành Luật Công chứng"
    "104/2025/NĐ-CPLuật Công chứng năm 202446/2024/QH15",
    "co_quan_thuc_hien": "Không có thông tin",
    "yeu_cau_dieu_kien": "Văn phòng công chứng bị mất, bị hỏng giấy đăng ký hoạt động.",
    "ket_qua_xu_ly": "Giấy đăng ký hoạt động của Văn phòng công chứngMã: KQ.G15.000087Từ khóa"
    "Không có thông tinMô tảKhông có thông tin",
}

# lists/danh-sach-tthc-BoTuPhap.xlsx: the title block, the header and two rows.
XLSX_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc\n\nDANH SÁCH THỦ TỤC"
XLSX_HEADER = ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực")
XLSX_BORDER_MARRIAGE = (
    "1.000094",
    "Thủ tục đăng ký kết hôn có yếu tố nước ngoài tại khu vực biên giới",
    "Bộ Tư pháp",
    "Ủy ban nhân dân cấp xã",
    "Hộ tịch",
)
XLSX_BIRTH = (
    "1.001193",
    "Thủ tục đăng ký khai sinh",
    "Bộ Tư pháp",
    "Ủy ban nhân dân cấp xã",
    "Hộ tịch",
)


def portal_record_url(record_id: str) -> str:
    return f"https://dichvucong.gov.vn/thu-tuc-hanh-chinh/{record_id}"


def write_catalogue(path: Path, lines: Sequence[Any]) -> Path:
    """A catalog.jsonl; a str line is written as it is (for broken lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(
        line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines
    )
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_detail(folder: Path, data: Dict[str, Any]) -> Path:
    """A portal API ``details/<code>.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['code']}.json"
    path.write_text(json.dumps({"code": "OK", "data": data}, ensure_ascii=False), "utf-8")
    return path


def write_crawl(folder: Path, record: Dict[str, Any]) -> Path:
    """A national-crawl ``<ministry>/<code>.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['ma_thu_tuc']}.json"
    path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    return path


def write_list(path: Path, rows: List[Sequence[Optional[str]]]) -> Path:
    """An official "Danh sách thủ tục hành chính" workbook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách TTHC"
    sheet.append([XLSX_TITLE, None, None, None, None])
    sheet.append(list(XLSX_HEADER))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def write_all(folder: Path) -> Path:
    """One file of each format (the samples above) under ``folder``."""
    write_catalogue(
        folder / "portal-api" / "catalog.jsonl",
        [CATALOGUE_SEMICONDUCTOR, CATALOGUE_HOUSE_NUMBER, CATALOGUE_RESIDENCE],
    )
    write_detail(folder / "portal-api" / "details", DETAIL_HOUSE_NUMBER)
    write_crawl(folder / "national-crawl" / "bo-tu-phap", CRAWL_NOTARY_OFFICE)
    write_list(
        folder / "lists" / "danh-sach-tthc-BoTuPhap.xlsx", [XLSX_BORDER_MARRIAGE, XLSX_BIRTH]
    )
    return folder
