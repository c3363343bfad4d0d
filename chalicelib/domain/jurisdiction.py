"""管理权限 (docs/rules.md §2): which HR bureau reviews a unit, and who may see what."""
from __future__ import annotations

from dataclasses import dataclass

from .reference import Division, city_of, divisions, policy


@dataclass(frozen=True)
class Authority:
    code: str
    name: str
    level: str  # province / city / county

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "level": self.level}


class UnknownDivision(ValueError):
    pass


def division(code: str) -> Division:
    try:
        return divisions()[code]
    except KeyError:
        raise UnknownDivision(f"行政区划代码 {code} 不是山西省的有效代码") from None


def authority(code: str) -> Authority:
    d = division(code)
    if d.level == "province":
        name = "山西省人力资源和社会保障厅"
    elif d.level == "city":
        name = f"{d.name}人力资源和社会保障局"
    else:
        name = f"{city_of(d).name}{d.name}人力资源和社会保障局"
    return Authority(d.code, name, d.level)


def authority_groups(codes: list[str] | None) -> list[tuple[str, list[Authority]]]:
    """Authorities (None: every one of the province) grouped by city for a filter's choices: the province alone,
    then each city with its counties (statistical zones file with their city, so they review nothing)."""
    wanted = None if codes is None else set(codes)
    groups: dict[str, list[Authority]] = {}
    for d in divisions().values():
        if d.statistical_zone or (wanted is not None and d.code not in wanted):
            continue
        group = "省级" if d.level == "province" else city_of(d).name
        groups.setdefault(group, []).append(authority(d.code))
    return list(groups.items())


def route(*, affiliation: str, foreign_invested: bool, economic_type: str,
          registration_division: str) -> Authority:
    """The reviewing authority, by the rules of docs/rules.md §2 in their stated order.

    `registration_division` is the county-level division of 工商注册地.
    """
    p = policy()
    place = division(registration_division)
    if place.level != "county":
        raise UnknownDivision("注册地行政区划须选择到县（市、区）一级")
    if affiliation in ("中央", "省"):
        return authority(p.province_code)
    foreign = foreign_invested or economic_type == "外商投资" or (
        economic_type == "港澳台投资" and p.hk_macau_taiwan_counts_as_foreign)
    if foreign:
        return authority(p.province_code)
    if affiliation == "市":
        return authority(city_of(place).code)
    # 县属 units and the territorial rule (劳务派遣, 民营, 个体, 民办非企业, and any unit no rule names)
    # both land on the county of registration, unless it is a statistical zone.
    if place.statistical_zone and p.statistical_zone_files_with_parent_city:
        return authority(city_of(place).code)
    return authority(place.code)


@dataclass(frozen=True)
class Scope:
    """What a reviewer-side account at `code` may see and act on."""
    code: str

    @property
    def level(self) -> str:
        return division(self.code).level

    def can_review(self, authority_code: str) -> bool:
        return authority_code == self.code

    def visible_authorities(self, division: str | None = None) -> list[str] | None:
        """Authorities whose filings this scope reads (None: all), optionally narrowed to one division."""
        if division:
            return [division] if self.can_read(division) else []
        if self.level == "province":
            return None
        if self.level == "city":
            return [self.code] + sorted(d.code for d in divisions().values() if d.parent_code == self.code)
        return [self.code]

    def narrower(self) -> list[str]:
        """The divisions a list of this scope can be narrowed to, sorted (the province: every city and county)."""
        visible = self.visible_authorities()
        if visible is None:
            visible = [d.code for d in divisions().values() if d.level != "province" and not d.statistical_zone]
        return sorted(visible)

    def can_read(self, authority_code: str) -> bool:
        if self.can_review(authority_code):
            return True
        level = self.level
        if level == "province":
            return True
        if level == "city":
            target = divisions().get(authority_code)
            return target is not None and target.parent_code == self.code
        return False
