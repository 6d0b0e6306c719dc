"""Vietnamese word lists and a seeded writer of portal-like titles, leads and bodies.

Every pool string is written with the new tone placement ("Ủy", "hòa"); the writer picks the
old placement ("Uỷ", "hoà") half the time, per phrase, as the migrated portal mixes both.
"""

from __future__ import annotations

import random
from datetime import datetime

from monitor.localportal.textforms import old_tones

# fmt: off
ORGS = (
    "Ủy ban nhân dân tỉnh", "Sở Y tế", "Sở Nông nghiệp và Môi trường", "Sở Tài chính",
    "Sở Giáo dục và Đào tạo", "Sở Văn hóa, Thể thao và Du lịch", "Sở Công Thương",
    "Sở Khoa học và Công nghệ", "Sở Nội vụ", "Sở Xây dựng", "Công an tỉnh",
    "Hội Nông dân tỉnh", "Hội Liên hiệp Phụ nữ tỉnh", "Liên đoàn Lao động tỉnh", "Tỉnh đoàn",
    "Bộ Chỉ huy Quân sự tỉnh", "Thành phố Cao Lãnh", "Thành phố Sa Đéc", "Thành phố Hồng Ngự",
    "Huyện Tháp Mười", "Huyện Lai Vung", "Huyện Châu Thành", "Huyện Tam Nông",
    "Huyện Thanh Bình", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Bảo hiểm xã hội tỉnh",
)
PARTY_ORGS = (
    "Đảng ủy Khối các cơ quan tỉnh", "Ban Tuyên giáo và Dân vận Tỉnh ủy", "Ban Tổ chức Tỉnh ủy",
    "Ủy ban Kiểm tra Tỉnh ủy", "Ban Thường vụ Tỉnh ủy", "Đảng bộ Khối Doanh nghiệp tỉnh",
    "Huyện ủy Tháp Mười", "Thành ủy Cao Lãnh", "Thành ủy Sa Đéc", "Đảng ủy Quân sự tỉnh",
)
ACTIONS = (
    "ký kết chương trình phối hợp về", "phát động phong trào thi đua",
    "kiểm tra tiến độ thực hiện dự án", "tổ chức hội nghị sơ kết công tác",
    "họp báo cung cấp thông tin về", "triển khai kế hoạch phát triển",
    "trao quyết định công nhận", "tổng kết nhiệm vụ năm", "làm việc với đoàn công tác về",
    "ra mắt mô hình", "khảo sát thực tế về", "tập huấn nghiệp vụ về",
    "đối thoại với doanh nghiệp về", "giám sát việc thực hiện chính sách",
)
PARTY_ACTIONS = (
    "học tập, quán triệt Nghị quyết về", "tổ chức hội nghị sơ kết công tác xây dựng Đảng gắn với",
    "trao Huy hiệu Đảng và bàn giải pháp", "kiểm tra, giám sát việc lãnh đạo",
    "sinh hoạt chuyên đề về", "tổng kết công tác kiểm tra, giám sát gắn với",
)
TOPICS = (
    "giảm nghèo bền vững", "xây dựng nông thôn mới", "cải cách hành chính", "chuyển đổi số",
    "phòng, chống dịch bệnh", "thu hút đầu tư", "hoa kiểng Sa Đéc", "sản xuất lúa vụ Đông Xuân",
    "an toàn giao thông", "bảo hiểm xã hội tự nguyện", "kinh tế tập thể, hợp tác xã",
    "du lịch sinh thái Đồng Sen", "sạt lở bờ sông Tiền", "xoài Cao Lãnh", "cây lúa thông minh",
    "hòa giải ở cơ sở", "chăm sóc sức khỏe Nhân dân", "phát triển văn hóa đọc",
    "thủy lợi nội đồng", "xây dựng chính quyền điện tử", "phòng cháy, chữa cháy",
    "bình đẳng giới", "đào tạo nghề cho lao động nông thôn", "tín dụng chính sách xã hội",
)
SUBHEADS = (
    "Nhiều tập thể, cá nhân được khen thưởng", "Kết quả nổi bật",
    "Nhiệm vụ trọng tâm thời gian tới", "Phát huy vai trò của Nhân dân",
    "Tháo gỡ khó khăn, vướng mắc", "Tạo sự đồng thuận xã hội", "Kiến nghị, đề xuất",
)
CAPTIONS = (
    "Quang cảnh buổi làm việc", "Quang cảnh hội nghị", "Toàn cảnh buổi họp báo",
    "Lãnh đạo tỉnh trao bằng khen cho các tập thể", "Đại biểu tham quan mô hình",
    "Các đơn vị ký kết chương trình phối hợp", "Đoàn công tác khảo sát thực tế",
)
SENTENCES = (
    "Theo báo cáo, trong năm qua các chỉ tiêu chủ yếu đều đạt và vượt kế hoạch đề ra.",
    "Người dân phấn khởi khi các công trình được đưa vào sử dụng đúng tiến độ.",
    "Sở Y tế khuyến cáo người dân chủ động phòng bệnh, giữ gìn vệ sinh môi trường.",
    "Qua đó, góp phần nâng cao chất lượng cuộc sống của Nhân dân trong tỉnh.",
    "Bên cạnh kết quả đạt được, vẫn còn một số khó khăn, hạn chế cần sớm khắc phục.",
    "Dịp này, nhiều tập thể, cá nhân có thành tích xuất sắc được khen thưởng.",
    "Kế hoạch được triển khai đồng bộ từ tỉnh đến cơ sở, bảo đảm hiệu quả, thiết thực.",
    "Đồng chí Bí thư Tỉnh ủy ghi nhận, biểu dương những nỗ lực của tập thể cán bộ, đảng viên.",
    "Ủy ban nhân dân tỉnh đề nghị các sở, ngành tiếp tục phối hợp chặt chẽ với địa phương.",
    "Các đại biểu tập trung thảo luận, đề xuất nhiều giải pháp thiết thực.",
    "Công tác hòa giải ở cơ sở được quan tâm, nhiều vụ việc được giải quyết dứt điểm.",
    "Phong trào thi đua được Nhân dân hưởng ứng tích cực, lan tỏa trong cộng đồng.",
    "Tỉnh tiếp tục ưu tiên nguồn lực cho các xã vùng sâu, vùng xa, vùng biên giới.",
    "Đoàn công tác đánh giá cao sự chủ động, sáng tạo của địa phương.",
)
NUMBER_SENTENCES = (
    "Tổng kinh phí thực hiện hơn {a},{b} tỷ đồng, từ nguồn ngân sách và xã hội hóa.",
    "Đến nay, toàn tỉnh có {c}/115 xã đạt chuẩn nông thôn mới.",
    "Trong năm, toàn Đảng bộ kết nạp được {n} đảng viên, đạt {p},{b}% kế hoạch.",
    "Tỷ lệ hộ nghèo giảm còn {a},{b}%, vượt chỉ tiêu Nghị quyết đề ra.",
    "Ngày {d} tháng {m} năm {y}, Ủy ban nhân dân tỉnh ban hành Kế hoạch số {n}/KH-UBND.",
    "Theo Quyết định số {n}/QĐ-UBND ngày {d}/{m}/{y}, tỉnh hỗ trợ {c} hộ dân.",
)
AUTHORS = (
    "K.V.A", "T.H", "Hữu Nghĩa", "Phương Thảo", "Minh Tâm", "Thanh Tâm - Hoàng Nhi", "Ngọc Hân",
    "Quốc Hưng", "Mỹ Linh", "L.T", "Đức Anh", "Hồng Phúc", "N.T.K", "Văn Của", "Bảo Trân",
)
SOURCES = (
    "Báo Đồng Tháp", "Báo Nhân Dân", "Báo Tuổi Trẻ", "Báo Thanh Niên", "Báo Điện tử Chính phủ",
    "Đài Phát thanh và Truyền hình Đồng Tháp", "Thông tấn xã Việt Nam", "Báo Người Lao Động",
)
TIMES_OF_DAY = ("Ngày", "Ngày", "Sáng", "Chiều", "Sáng ngày", "Chiều ngày", "Tối")
QUARTERS = ("I", "II", "III", "IV")
# fmt: on


class Writer:
    """Seeded text for one corpus: the same seed gives the same words."""

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random
        self._old = {s: old_tones(s) for pool in _POOLS for s in pool}
        self._numbered = tuple(self._with_numbers() for _ in range(512))

    def choice(self, seq: tuple[str, ...]) -> str:
        """rng.choice, cheaper (random() instead of getrandbits loops): corpora are big."""
        return seq[int(self.random() * len(seq))]

    def randint(self, low: int, high: int) -> int:
        """rng.randint, cheaper."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, pool: tuple[str, ...]) -> str:
        """One phrase, in the new or (half the time) the old tone placement."""
        phrase = pool[int(self.random() * len(pool))]
        return self._old[phrase] if self.random() < 0.5 else phrase

    def core(self, section: str, year: int) -> str:
        """The event a title and lead describe, e.g. 'Sở Y tế ký kết ... về cải cách hành chính'."""
        if section == "xay-dung-dang":
            if self.random() < 0.25:
                return f"{self.pick(PARTY_ORGS)} kết nạp {self.randint(40, 320)} đảng viên"
            return f"{self.pick(PARTY_ORGS)} {self.pick(PARTY_ACTIONS)} {self.pick(TOPICS)}"
        if section == "nguoi-phat-ngon":
            kind = self.random()
            if kind < 0.4:
                return f"Danh sách người phát ngôn, cung cấp thông tin cho báo chí năm {year}"
            if kind < 0.7:
                return f"Thông tin người phát ngôn của {self.pick(ORGS)} năm {year}"
            return f"{self.pick(ORGS)} họp báo định kỳ quý {self.choice(QUARTERS)} năm {year}"
        if section == "bao-chi-voi-dong-thap" and self.random() < 0.3:
            return f"Đồng Tháp đẩy mạnh {self.pick(TOPICS)}"
        return f"{self.pick(ORGS)} {self.pick(ACTIONS)} {self.pick(TOPICS)}"

    def title(self, section: str, core: str) -> str:
        """A listing title; press releases carry the 'Thông cáo báo chí:' prefix."""
        if section == "thong-cao-bao-chi":
            return f"Thông cáo báo chí: {core}"
        if section == "xay-dung-dang" and self.random() < 0.2:
            return f"Năm {self.randint(2018, 2025)}, {core}"
        return core

    def lead(self, core: str, when: datetime) -> str:
        """The sapo: 'Sáng 22/01/2021, <event>.' and now and then a second clause."""
        text = f"{self.choice(TIMES_OF_DAY)} {when:%d/%m/%Y}, {core}"
        if self.random() < 0.3:
            text += ", với sự tham dự của đại diện lãnh đạo các sở, ngành, địa phương"
        return text + "."

    def sentence(self) -> str:
        """One body sentence, sometimes with figures or a date in running text."""
        if self.random() < 0.25:
            return self.choice(self._numbered)
        return self.pick(SENTENCES)

    def _with_numbers(self) -> str:
        num = self.randint
        return self.pick(NUMBER_SENTENCES).format(
            a=num(1, 95),
            b=num(1, 9),
            c=num(20, 115),
            n=num(12, 980),
            p=num(100, 130),
            d=f"{num(1, 28):02d}",
            m=num(1, 12),
            y=num(2016, 2025),
        )

    def paragraph(self) -> str:
        """One body paragraph of one to three sentences."""
        return " ".join(self.sentence() for _ in range(self.choice((1, 1, 2, 3))))

    def table(self) -> list[list[str]]:
        """A small results table: header row and two to four rows."""
        rows = [["STT", "Đơn vị", "Kết quả"]]
        for i in range(self.randint(2, 4)):
            rows.append([str(i + 1), self.pick(ORGS), f"{self.randint(60, 100)},{i}%"])
        return rows


# fmt: off
_POOLS = (ORGS, PARTY_ORGS, ACTIONS, PARTY_ACTIONS, TOPICS, SUBHEADS, CAPTIONS, SENTENCES,
          NUMBER_SENTENCES, AUTHORS, SOURCES)
# fmt: on
