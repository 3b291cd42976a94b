"""Initial schema: the community registry and the case store.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=255), nullable=False),
        sa.Column("allowed_event_types", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("name", name=op.f("uq_api_clients_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_clients_token_hash")),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=255), nullable=False),
        sa.Column("process", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.String(length=128), nullable=True),
        sa.Column("subject_label", sa.String(length=200), nullable=True),
        sa.Column("rule_version", sa.String(length=64), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("card_level", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_community_id_status"), "cases", ["community_id", "status"])
    op.create_index(op.f("ix_cases_due_at"), "cases", ["due_at"])
    op.create_index(op.f("ix_cases_process_status"), "cases", ["process", "status"])
    op.create_index(op.f("ix_cases_subject_id"), "cases", ["subject_id"])
    op.create_index(op.f("ix_cases_updated_at"), "cases", ["updated_at"])

    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("event_id", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=128), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replayed_by", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'replayed', 'discarded')", name=op.f("ck_dead_letters_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_index(
        op.f("ix_dead_letters_status_received_at"), "dead_letters", ["status", "received_at"]
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("destination", sa.String(length=255), nullable=False),
        sa.Column("case_id", sa.String(length=255), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('notification', 'event')", name=op.f("ck_outbox_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_case_id"), "outbox", ["case_id"])
    op.create_index(
        op.f("ix_outbox_delivered_at_next_attempt_at"),
        "outbox",
        ["delivered_at", "next_attempt_at"],
    )

    op.create_table(
        "processed_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_events")),
        sa.UniqueConstraint("source", "event_id", name=op.f("uq_processed_events_source_event_id")),
    )
    op.create_index(op.f("ix_processed_events_case_id"), "processed_events", ["case_id"])

    op.create_table(
        "rule_set_versions",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activated_by", sa.String(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_rule_set_versions")),
    )
    op.create_index(
        op.f("ix_rule_set_versions_activated_at"), "rule_set_versions", ["activated_at"]
    )

    op.create_table(
        "streets",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("county", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streets")),
    )
    op.create_table(
        "timeline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=255), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline")),
    )
    op.create_index(op.f("ix_timeline_at"), "timeline", ["at"])
    op.create_index(op.f("ix_timeline_case_id_at"), "timeline", ["case_id", "at"])

    op.create_table(
        "communities",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("street_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("resident_population", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["street_id"], ["streets.id"], name=op.f("fk_communities_street_id_streets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
    )
    op.create_index(op.f("ix_communities_street_id"), "communities", ["street_id"])

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=255), nullable=False),
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_tasks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("case_id", "task_id", name=op.f("uq_tasks_case_id_task_id")),
    )
    op.create_index(op.f("ix_tasks_community_id_status"), "tasks", ["community_id", "status"])
    op.create_index(op.f("ix_tasks_due_at"), "tasks", ["due_at"])
    op.create_index(op.f("ix_tasks_owner_status"), "tasks", ["owner", "status"])

    op.create_table(
        "community_workers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("post", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("education", sa.String(length=20), nullable=False),
        sa.Column("is_party_member", sa.Boolean(), nullable=False),
        sa.Column("has_social_work_cert", sa.Boolean(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("hired_on", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            (
                "education IN ('junior_high', 'senior_high', 'vocational', 'associate', "
                "'bachelor', 'master', 'doctorate')"
            ),
            name=op.f("ck_community_workers_education"),
        ),
        sa.CheckConstraint(
            "gender IN ('male', 'female')", name=op.f("ck_community_workers_gender")
        ),
        sa.CheckConstraint(
            "post IN ('head', 'deputy', 'staff')", name=op.f("ck_community_workers_post")
        ),
        sa.CheckConstraint("grade BETWEEN 1 AND 18", name=op.f("ck_community_workers_grade")),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_workers_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_workers")),
    )
    op.create_index(
        op.f("ix_community_workers_community_id"), "community_workers", ["community_id"]
    )

    op.create_table(
        "grids",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("branch_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_grids_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grids")),
    )
    op.create_index(op.f("ix_grids_community_id"), "grids", ["community_id"])

    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("credit_code", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("has_party_org", sa.Boolean(), nullable=False),
        sa.Column("has_liaison", sa.Boolean(), nullable=False),
        sa.Column("contact_person", sa.String(length=50), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            (
                "type IN ('agency', 'institution', 'state_enterprise', 'non_public_enterprise', "
                "'individual_business', 'social_organization', 'owners_committee', "
                "'property_company', 'commercial_building', 'new_sector_org')"
            ),
            name=op.f("ck_organisations_type"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_organisations_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_index(
        op.f("ix_organisations_community_id_type"), "organisations", ["community_id", "type"]
    )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=True),
        sa.Column("street_id", sa.String(length=64), nullable=True),
        sa.Column("failed_login_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'community_staff', 'street_committee', 'viewer')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_users_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["street_id"], ["streets.id"], name=op.f("fk_users_street_id_streets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "big_committee_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_big_committee_activities_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_big_committee_activities_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_big_committee_activities")),
        sa.UniqueConstraint(
            "org_id",
            "held_on",
            "activity",
            name=op.f("uq_big_committee_activities_org_id_held_on_activity"),
        ),
    )
    op.create_index(
        op.f("ix_big_committee_activities_community_id"),
        "big_committee_activities",
        ["community_id"],
    )
    op.create_index(
        op.f("ix_big_committee_activities_org_id"), "big_committee_activities", ["org_id"]
    )

    op.create_table(
        "big_committee_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_big_committee_memberships_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_big_committee_memberships_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_big_committee_memberships")),
        sa.UniqueConstraint(
            "org_id",
            "community_id",
            "joined_on",
            name=op.f("uq_big_committee_memberships_org_id_community_id_joined_on"),
        ),
    )
    op.create_index(
        op.f("ix_big_committee_memberships_community_id_joined_on"),
        "big_committee_memberships",
        ["community_id", "joined_on"],
    )
    op.create_index(
        op.f("ix_big_committee_memberships_org_id"), "big_committee_memberships", ["org_id"]
    )

    op.create_table(
        "buildings",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("unit_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_buildings_grid_id_grids")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
    )
    op.create_index(op.f("ix_buildings_grid_id"), "buildings", ["grid_id"])

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])

    op.create_table(
        "party_members",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("joined_party_on", sa.Date(), nullable=True),
        sa.Column("employer_org_id", sa.String(length=64), nullable=True),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("home_organisation", sa.String(length=200), nullable=True),
        sa.Column("credential", sa.String(length=24), nullable=True),
        sa.Column("occupation", sa.String(length=100), nullable=True),
        sa.Column("building_id", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("arrived_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "credential IN ('introduction_letter', 'certificate', 'activity_card')",
            name=op.f("ck_party_members_credential"),
        ),
        sa.CheckConstraint("gender IN ('male', 'female')", name=op.f("ck_party_members_gender")),
        sa.CheckConstraint(
            "kind IN ('resident', 'in_service_cadre', 'floating')",
            name=op.f("ck_party_members_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_party_members_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_party_members_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_org_id"],
            ["organisations.id"],
            name=op.f("fk_party_members_employer_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_members")),
    )
    op.create_index(op.f("ix_party_members_building_id"), "party_members", ["building_id"])
    op.create_index(
        op.f("ix_party_members_community_id_kind"), "party_members", ["community_id", "kind"]
    )
    op.create_index(op.f("ix_party_members_employer_org_id"), "party_members", ["employer_org_id"])

    op.create_table(
        "cadre_report_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_cadre_report_ins_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["party_members.id"],
            name=op.f("fk_cadre_report_ins_member_id_party_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_report_ins")),
        sa.UniqueConstraint(
            "member_id",
            "community_id",
            "reported_on",
            name=op.f("uq_cadre_report_ins_member_id_community_id_reported_on"),
        ),
    )
    op.create_index(op.f("ix_cadre_report_ins_community_id"), "cadre_report_ins", ["community_id"])
    op.create_index(op.f("ix_cadre_report_ins_member_id"), "cadre_report_ins", ["member_id"])

    op.create_table(
        "central_households",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("building_id", sa.String(length=64), nullable=False),
        sa.Column("host_member_id", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["buildings.id"],
            name=op.f("fk_central_households_building_id_buildings"),
        ),
        sa.ForeignKeyConstraint(
            ["host_member_id"],
            ["party_members.id"],
            name=op.f("fk_central_households_host_member_id_party_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_central_households")),
    )
    op.create_index(
        op.f("ix_central_households_building_id"), "central_households", ["building_id"]
    )
    op.create_index(
        op.f("ix_central_households_host_member_id"), "central_households", ["host_member_id"]
    )

    op.create_table(
        "member_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_member_activities_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["party_members.id"],
            name=op.f("fk_member_activities_member_id_party_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_activities")),
        sa.UniqueConstraint(
            "member_id",
            "held_on",
            "activity",
            name=op.f("uq_member_activities_member_id_held_on_activity"),
        ),
    )
    op.create_index(
        op.f("ix_member_activities_community_id_held_on"),
        "member_activities",
        ["community_id", "held_on"],
    )
    op.create_index(op.f("ix_member_activities_member_id"), "member_activities", ["member_id"])

    op.create_table(
        "household_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["central_households.id"],
            name=op.f("fk_household_assignments_household_id_central_households"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["party_members.id"],
            name=op.f("fk_household_assignments_member_id_party_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_assignments")),
        sa.UniqueConstraint(
            "household_id",
            "member_id",
            "assigned_on",
            name=op.f("uq_household_assignments_household_id_member_id_assigned_on"),
        ),
    )
    op.create_index(
        op.f("ix_household_assignments_household_id"), "household_assignments", ["household_id"]
    )
    op.create_index(
        op.f("ix_household_assignments_member_id"), "household_assignments", ["member_id"]
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("household_assignments")
    op.drop_table("member_activities")
    op.drop_table("central_households")
    op.drop_table("cadre_report_ins")
    op.drop_table("party_members")
    op.drop_table("user_sessions")
    op.drop_table("buildings")
    op.drop_table("big_committee_memberships")
    op.drop_table("big_committee_activities")
    op.drop_table("users")
    op.drop_table("organisations")
    op.drop_table("grids")
    op.drop_table("community_workers")
    op.drop_table("tasks")
    op.drop_table("communities")
    op.drop_table("timeline")
    op.drop_table("streets")
    op.drop_table("rule_set_versions")
    op.drop_table("processed_events")
    op.drop_table("outbox")
    op.drop_table("dead_letters")
    op.drop_table("cases")
    op.drop_table("api_clients")
