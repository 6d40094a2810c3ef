"""Self-search (``/``): a young applicant fills a short form and gets ranked openings. No account; nothing stored.

The form is built from the API's ``SeekerProfile`` (fields added there show up here) and answered by the API's
own ``POST /search`` function, so validation, rules and ranking are the API's. The page counts against the
anonymous rate limit like ``POST /search`` (service.middleware.RequestAdmission), with a Korean page when it is reached.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from matcher import reference
from service.deps import ServingDep, SettingsDep
from service.errors import ContractRefused
from service.pages import forms, views
from service.pages.web import AnonymousForm, render
from service.routers.search import search
from service.schemas import SeekerProfile

router = APIRouter(include_in_schema=False)

# The short form leaves these out (birth year is asked as an age); any other field of SeekerProfile is shown.
OMIT = ("birth_year", "gender", "lat", "lon", "intro", "occupations")
# Shown folded under "더 자세히".
MORE = ("groups", "education", "experience_years", "desired_industries", "max_commute_km", "access_needs")
RESULTS = 10


@cache
def _fields(year: int) -> tuple[list[forms.Field], list[forms.Field]]:
    """The age box, then the profile's fields (dong as a required choice of the 17 dongs); main and folded."""
    oldest, youngest = _birth_years()
    age = forms.Field("age", "나이 (만 나이)", "number", True, minimum=year - youngest, maximum=year - oldest)
    dongs = tuple((d, d) for d in reference.dong_names())
    profile = [
        forms.Field("dong", "사는 동", "select", True, dongs) if f.name == "dong" else f
        for f in forms.fields_of(SeekerProfile, omit=OMIT)
    ]
    main = [age] + [f for f in profile if f.name not in MORE]
    return main, [f for f in profile if f.name in MORE]


def _birth_years() -> tuple[int, int]:
    """The oldest and youngest birth years the API accepts (from its schema)."""
    prop = SeekerProfile.model_json_schema()["properties"]["birth_year"]
    return int(prop["minimum"]), int(prop["maximum"])


def _page(request: Request, year: int, status: int = 200, **context: object) -> HTMLResponse:
    main, more = _fields(year)
    context = {"values": {}, "errors": {}, "found": None, **context}
    return render(request, "youth.html", status=status, nav="youth", main_fields=main, more_fields=more, **context)


@router.get("/", response_class=HTMLResponse)
def youth_page(request: Request, settings: SettingsDep):
    return _page(request, settings.today().year)


@router.post("/", response_class=HTMLResponse)
def youth_search(request: Request, form: AnonymousForm, serving: ServingDep, settings: SettingsDep):
    """Rank openings for the submitted profile with the API's search; the profile is not stored anywhere."""
    year = settings.today().year
    main, more = _fields(year)
    values = forms.read(form, main + more)
    data = {k: v for k, v in values.items() if k != "age"}
    errors: dict[str, str] = {}
    oldest, youngest = _birth_years()
    try:
        age = int(values.get("age", ""))
        if not year - youngest <= age <= year - oldest:
            raise ValueError
        data["birth_year"] = year - age
    except ValueError:
        errors["age"] = f"나이는 {year - youngest}세부터 {year - oldest}세까지 숫자로 적어 주세요."
    if errors:
        return _page(request, year, 422, values=values, errors=errors)
    try:
        profile = SeekerProfile.model_validate(data)
        result = search(profile, serving, settings, k=RESULTS)
    except (ValidationError, ContractRefused) as exc:
        return _page(request, year, 422, values=forms.scrubbed(values), errors=forms.errors_by_field(exc))
    origin = views.dong_origin(profile.dong)
    matches = result["matches"]
    distance = views.distances_km(serving.current(), origin, [m.opening_id for m in matches]) if origin else {}
    return _page(request, year, values=values, found=matches, distance=distance, as_of=result["as_of"],
                 model_version=result["model_version"])  # fmt: skip
