"""The contest's results rules in plain Vietnamese, as the rules pages state them."""
from __future__ import annotations

from quiz.contests.models import Contest
from quiz.rankings.collective import FORMULAS, TIES
from quiz.rankings.criteria import COUNTING, CRITERIA, LAST_TIE

ONE_PRIZE = {
    "first_win": "Mỗi người tối đa một giải trong cả cuộc thi: giải nhận ở đợt trước được giữ, các đợt sau "
                 "bỏ qua người đã có giải và trao cho người xếp kế tiếp.",
    "higher_kept": "Mỗi người tối đa một giải trong cả cuộc thi: người đoạt giải cao hơn ở đợt sau chỉ giữ "
                   "giải cao hơn; giải thấp hơn chuyển cho người xếp kế tiếp của đợt trước (hai giải bằng nhau: "
                   "giữ giải của đợt trước).",
}


def describe(contest: Contest) -> list[str]:
    """One sentence per rule: which attempt counts, the ranking and its last tie, prizes."""
    order = " → ".join(CRITERIA[key].label for key in contest.tie_break.split(","))
    last = ("Người bằng nhau ở mọi tiêu chí được đồng hạng và cùng nhận giải; hạng sau đó bỏ qua số người "
            "đồng hạng." if contest.shared_rank else f"Bằng nhau ở mọi tiêu chí: xếp trên là {LAST_TIE}.")
    lines = [f"Lượt được tính: {COUNTING[contest.counting].label}.", f"Xếp hạng theo: {order}. {last}",
             f"Bài nộp trong {contest.grace_s} giây nhận trễ sau hạn được tính là nộp đúng lúc hết giờ."]
    if contest.one_prize in ONE_PRIZE:
        lines.append(ONE_PRIZE[contest.one_prize])
    if contest.collective_metric:
        lines.append(f"Giải tập thể: {contest.collective_count} giải cho đơn vị cấp {contest.collective_level}, "
                     f"xếp theo {FORMULAS[contest.collective_metric].label}; {TIES[contest.collective_ties]}; "
                     "tính khi chốt kết quả mỗi đợt và khi chốt kết quả toàn cuộc thi.")
    return lines
