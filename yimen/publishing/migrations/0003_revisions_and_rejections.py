"""Revisions of published items, the rejection reason on the publication, and which versions the
public saw.

Existing rows are filled in: a draft whose last review step was a rejection gets that reason from the
audit log, and the latest version of each published or withdrawn item is marked as the one published
(with the date it was published and the due date it was judged by).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery


def fill_in(apps, schema_editor):
    Publication = apps.get_model("publishing", "Publication")
    PublicationVersion = apps.get_model("publishing", "PublicationVersion")
    AuditEntry = apps.get_model("core", "AuditEntry")
    latest = PublicationVersion.objects.filter(publication=OuterRef("publication")).values("publication")
    latest = latest.annotate(top=Max("number")).values("top")
    PublicationVersion.objects.filter(
        publication__published_at__isnull=False, number=Subquery(latest)
    ).update(
        published_at=Subquery(Publication.objects.filter(pk=OuterRef("publication")).values("published_at")),
        due_on=Subquery(Publication.objects.filter(pk=OuterRef("publication")).values("due_on")),
    )
    steps = ("publishing.submitted", "publishing.rejected", "publishing.published")
    for publication in Publication.objects.filter(state="draft").only("pk"):
        last = (
            AuditEntry.objects.filter(
                object_type="publishing.publication", object_id=str(publication.pk), action__in=steps
            )
            .order_by("-id")  # the order entries were written in (a new one is numbered when sealed)
            .first()
        )
        if last is not None and last.action == "publishing.rejected":
            reason = str((last.summary.get("after") or {}).get("reason") or "")[:300]
            Publication.objects.filter(pk=publication.pk).update(rejection_reason=reason, rejected_at=last.at)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_alter_staffrole_role"),
        ("publishing", "0002_search_index"),
        ("core", "0006_supervision_digest_template"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="rejected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="退回时间"),
        ),
        migrations.AddField(
            model_name="publication",
            name="rejection_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="退回原因"),
        ),
        migrations.AddField(
            model_name="publication",
            name="revised_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="变更发布时间"),
        ),
        migrations.AddField(
            model_name="publication",
            name="revision_note",
            field=models.CharField(blank=True, max_length=200, verbose_name="变更说明"),
        ),
        migrations.AddField(
            model_name="publication",
            name="revision_of",
            field=models.ForeignKey(
                blank=True,
                help_text="修订稿：审核通过后替换所修订信息的公开内容，本行随即删除",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="revisions",
                to="publishing.publication",
                verbose_name="修订的信息",
            ),
        ),
        migrations.AddField(
            model_name="publicationversion",
            name="due_on",
            field=models.DateField(blank=True, null=True, verbose_name="应公开日期"),
        ),
        migrations.AddField(
            model_name="publicationversion",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="公开时间"),
        ),
        migrations.AddConstraint(
            model_name="publication",
            constraint=models.UniqueConstraint(fields=("revision_of",), name="one_revision_at_a_time"),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
