"""Request and response shapes of the awards API."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from dvk_platform.history import WorkflowHistorySchema
from dvk_platform.schemas import BaseSchema, Boolean, Integer, QuerySchema

from .models import CATALOGUES, GRANTING_LEVELS, NOMINATION_STATUSES, NOMINEE_KINDS, SIGNER_POSITIONS

YEAR = validate.Range(min=2000, max=2100)
CODE = validate.Regexp(r"^[a-z0-9][a-z0-9-]*$", error="Chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang.")


def _version() -> fields.Integer:
    return Integer(validate=validate.Range(min=1), metadata={"description": "Phiên bản đang sửa (hoặc header If-Match)."})


# --- catalogues -----------------------------------------------------------------------------------------


class _EntryRules(BaseSchema):
    @validates_schema
    def _someone_can_receive_it(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("for_individuals") is False and data.get("for_collectives") is False:
            raise ValidationError("Phải áp dụng cho cá nhân, tập thể hoặc cả hai.", "for_collectives")


class AwardEntryCreateSchema(_EntryRules):
    code = fields.String(validate=[validate.Length(min=1, max=60), CODE])
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    for_individuals = Boolean(load_default=True)
    for_collectives = Boolean(load_default=True)
    granting_level = fields.String(required=True, validate=validate.OneOf(list(GRANTING_LEVELS)))
    legal_basis = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    active = Boolean(load_default=True)
    needs_confirmation = Boolean(load_default=False)


class AwardEntryUpdateSchema(_EntryRules):
    name = fields.String(validate=validate.Length(min=1, max=200))
    for_individuals = Boolean()
    for_collectives = Boolean()
    granting_level = fields.String(validate=validate.OneOf(list(GRANTING_LEVELS)))
    legal_basis = fields.String(validate=validate.Length(min=1, max=4000))
    active = Boolean()
    needs_confirmation = Boolean()
    version = _version()


class AwardEntrySchema(BaseSchema):
    id = Integer()
    catalogue = fields.String()
    catalogue_label = fields.Function(lambda e: CATALOGUES[e.catalogue])
    code = fields.String()
    name = fields.String()
    for_individuals = Boolean()
    for_collectives = Boolean()
    granting_level = fields.String()
    granting_level_label = fields.Function(lambda e: GRANTING_LEVELS[e.granting_level])
    legal_basis = fields.String(metadata={"multiline": True})
    active = Boolean()
    needs_confirmation = Boolean()
    version = Integer()
    updated_at = fields.DateTime()


class CatalogueQuerySchema(QuerySchema):
    active = Boolean(metadata={"description": "Chỉ mục đang áp dụng (true) hoặc đã ngừng (false)."})


# --- nominations ----------------------------------------------------------------------------------------


class EvidenceSchema(BaseSchema):
    model_ids = fields.List(Integer(), load_default=list)
    inspection_ids = fields.List(Integer(), load_default=list)
    report_ids = fields.List(Integer(), load_default=list)
    links = fields.List(fields.String(validate=validate.Length(min=1, max=500)), load_default=list)


class NominationCreateSchema(BaseSchema):
    year = Integer(required=True, validate=YEAR)
    movement = fields.String(load_default="Dân vận khéo", validate=validate.Length(min=1, max=120))
    nominee_kind = fields.String(required=True, validate=validate.OneOf(list(NOMINEE_KINDS)))
    unit_id = Integer(required=True)
    person_name = fields.String(allow_none=True, validate=validate.Length(min=1, max=120))
    person_position = fields.String(allow_none=True, validate=validate.Length(max=160))
    catalogue = fields.String(required=True, validate=validate.OneOf(list(CATALOGUES)))
    award_id = Integer(required=True)
    achievements = fields.String(required=True, validate=validate.Length(min=10, max=8000))
    evidence = fields.Nested(EvidenceSchema, load_default=lambda: EvidenceSchema().load({}))

    @validates_schema
    def _person_matches_kind(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("nominee_kind") == "individual" and not data.get("person_name"):
            raise ValidationError("Cá nhân được đề nghị phải có họ và tên.", "person_name")
        if data.get("nominee_kind") == "collective" and data.get("person_name"):
            raise ValidationError("Đề nghị cho tập thể không ghi họ tên cá nhân.", "person_name")


class NominationUpdateSchema(BaseSchema):
    person_name = fields.String(validate=validate.Length(min=1, max=120))
    person_position = fields.String(allow_none=True, validate=validate.Length(max=160))
    catalogue = fields.String(validate=validate.OneOf(list(CATALOGUES)))
    award_id = Integer()
    achievements = fields.String(validate=validate.Length(min=10, max=8000))
    evidence = fields.Nested(EvidenceSchema)
    version = _version()


class NominationQuerySchema(QuerySchema):
    year = Integer(validate=YEAR)
    status = fields.String(validate=validate.OneOf(list(NOMINATION_STATUSES)))
    unit_id = Integer()


class TransitionSchema(BaseSchema):
    version = _version()
    note = fields.String(validate=validate.Length(max=2000))


class ReviewSchema(BaseSchema):
    approved = Boolean(required=True)
    meeting_date = fields.Date(required=True)
    votes_for = Integer(required=True, validate=validate.Range(min=0))
    votes_against = Integer(required=True, validate=validate.Range(min=0))
    votes_abstain = Integer(load_default=0, validate=validate.Range(min=0))
    minutes = fields.String(
        required=True,
        validate=validate.Length(min=20, max=20000, error="Phải có biên bản họp Hội đồng (từ 20 đến 20000 ký tự)."),
        metadata={"description": "Biên bản họp Hội đồng Thi đua - Khen thưởng (bắt buộc)."},
    )
    version = _version()

    @validates_schema
    def _votes_cast(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("votes_for", 0) + data.get("votes_against", 0) + data.get("votes_abstain", 0) == 0:
            raise ValidationError("Phải ghi số phiếu của Hội đồng.", "votes_for")


class RevokeSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(min=5, max=2000))
    version = _version()


class StepSchema(WorkflowHistorySchema):
    """One step of a nomination's history; `at` is the name earlier answers gave `occurred_at`."""

    at = fields.DateTime(attribute="occurred_at", dump_only=True)


class NominationSchema(BaseSchema):
    id = Integer()
    year = Integer()
    movement = fields.String()
    nominee_kind = fields.String()
    unit_id = Integer()
    unit_name = fields.String(allow_none=True)
    person_name = fields.String(allow_none=True)
    person_position = fields.String(allow_none=True)
    catalogue = fields.String()
    catalogue_label = fields.String()
    award_id = Integer()
    award_name = fields.String()
    achievements = fields.String(metadata={"multiline": True})
    evidence = fields.Dict()
    status = fields.String()
    status_label = fields.String()
    proposer_name = fields.String(allow_none=True)
    meeting_date = fields.Date(allow_none=True)
    votes_for = Integer(allow_none=True)
    votes_against = Integer(allow_none=True)
    votes_abstain = Integer(allow_none=True)
    minutes = fields.String(allow_none=True, metadata={"multiline": True})
    decision_id = Integer(allow_none=True)
    decision_number = fields.String(allow_none=True)
    letter_id = Integer(allow_none=True)
    letter_number = fields.String(allow_none=True)
    revoked_reason = fields.String(allow_none=True, metadata={"multiline": True})
    revoked_at = fields.DateTime(allow_none=True)
    version = Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    history = fields.List(fields.Nested(StepSchema))


class NominationSummarySchema(NominationSchema):
    class Meta:
        exclude = ("history",)


# --- decisions and proposal letters ---------------------------------------------------------------------


class NominationRefSchema(BaseSchema):
    id = Integer(required=True)
    version = Integer(required=True, validate=validate.Range(min=1))


class _SignedSchema(BaseSchema):
    nominations = fields.List(fields.Nested(NominationRefSchema), required=True, validate=validate.Length(min=1, max=500))
    number = Integer(validate=validate.Range(min=1, max=99999),
                            metadata={"description": "Số văn bản do văn thư cấp; bỏ trống để lấy số tiếp theo của năm."})
    signer_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    signer_position = fields.String(load_default="chu_tich", validate=validate.OneOf(list(SIGNER_POSITIONS)))


class DecisionCreateSchema(_SignedSchema):
    decided_on = fields.Date(metadata={"description": "Ngày ký; mặc định hôm nay (giờ Việt Nam)."})


class LetterCreateSchema(_SignedSchema):
    letter_date = fields.Date(metadata={"description": "Ngày ký; mặc định hôm nay (giờ Việt Nam)."})
    addressee = fields.String(load_default="Chủ tịch Ủy ban nhân dân tỉnh", validate=validate.Length(min=1, max=200))


class AwardeeSchema(BaseSchema):
    nomination_id = Integer()
    nominee_kind = fields.String()
    unit_id = Integer()
    unit_name = fields.String(allow_none=True)
    person_name = fields.String(allow_none=True)
    person_position = fields.String(allow_none=True)
    award_name = fields.String()
    status = fields.String()
    revoked_reason = fields.String(allow_none=True, metadata={
        "description": "Lý do thu hồi; không có trong câu trả lời cho cán bộ đơn vị khi người được khen thuộc đơn vị khác."})
    revoked_at = fields.DateTime(allow_none=True)


class DecisionSchema(BaseSchema):
    id = Integer()
    year = Integer()
    number = Integer()
    decision_number = fields.String()
    decided_on = fields.Date()
    signer_name = fields.String()
    signer_position = fields.String()
    revoked = Boolean(metadata={"description": "Mọi khen thưởng trong quyết định đã bị thu hồi."})
    awardees = fields.List(fields.Nested(AwardeeSchema))
    created_at = fields.DateTime()


class LetterSchema(BaseSchema):
    id = Integer()
    year = Integer()
    number = Integer()
    letter_number = fields.String()
    letter_date = fields.Date()
    addressee = fields.String()
    signer_name = fields.String()
    signer_position = fields.String()
    awardees = fields.List(fields.Nested(AwardeeSchema))
    created_at = fields.DateTime()


class YearQuerySchema(QuerySchema):
    year = Integer(validate=YEAR)


class SuggestionQuerySchema(QuerySchema):
    year = Integer(required=True, validate=YEAR)


class SuggestionSchema(BaseSchema):
    basis = fields.String(metadata={"description": "model_rated_good | model_typical | reports_on_time (the strongest)"})
    bases = fields.List(fields.String(), metadata={"description": "every reason this candidate is suggested"})
    year = Integer()
    nominee_kind = fields.String()
    unit_id = Integer()
    unit_name = fields.String()
    model_id = Integer(allow_none=True)
    why = fields.String()
    evidence = fields.Dict()
    nomination_ids = fields.List(Integer())


class UnitSchema(BaseSchema):
    unit_id = Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    active = Boolean()
