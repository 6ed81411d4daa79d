"""电子证照: certificate types, the certificates issued when a case concludes 出证办结, their uses (用证记录),
and 一件事一次办 combined services.

The fields follow GB/T 36903-2018 (元数据) as the national exchange table `up_lic_data` carries them, and
the identifier GB/T 36904-2018 (标识): `1.2.156.3005.2.{类型代码}.{颁发机构代码}.{流水号}.{版本号}.{校验位}`
(identifiers.py). A certificate is signed by the issuing system (SM2 over the SM3 digest of its canonical
content, signing.py): 「系统数字签名」, not a legal 电子印章, which a CA-backed Sealer adds (sealing.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yimen.cases.models import ApplicantKind, Case
from yimen.catalog.models import ServiceItem
from yimen.core.fields import BlindIndexField, SealedCharField
from yimen.org.models import Organisation


class HolderCodeType(models.TextChoices):
    """持证主体代码类型 (GB/T 36903-2018 附录A)."""

    ID_CARD = "111", "公民身份号码"
    USCC = "001", "统一社会信用代码"


class CertificateState(models.TextChoices):
    """证照状态, the codes of the national certificate push (01 有效 … 07 吊销, 99 其他). 过期 is not stored:
    a valid certificate past its 有效期截止日 reads as 05 失效 (queries.effective_state)."""

    VALID = "01", "有效"
    SUSPENDED = "02", "暂扣"
    WITHDRAWN = "03", "撤销"
    CANCELLED = "04", "注销"
    LAPSED = "05", "失效"
    REVOKED = "07", "吊销"


class Operation(models.TextChoices):
    """How a version came about (操作类型): 01 新发, 02 延续, 09 变更; 补发 keeps the content as 10."""

    NEW = "01", "新发"
    RENEWAL = "02", "延续"
    CHANGE = "09", "变更"
    REISSUE = "10", "补发"


class NumberRule(models.TextChoices):
    """What is printed as 证照编号: a serial of the type's own, or the holder's code (营业执照 prints the
    统一社会信用代码)."""

    SERIAL = "serial", "前缀＋年份＋流水号"
    HOLDER = "holder", "持证主体代码"


class CertificateType(models.Model):
    """证照类型: what an item issues and which application materials a live certificate replaces
    (`catalog.Material.certificate_type` names the type's code)."""

    code = models.CharField(
        "证照类型代码",
        max_length=21,
        unique=True,
        help_text="制定部门统一社会信用代码（18位）＋3位顺序号，如 11100000000013338W032",
    )
    name = models.CharField("证照类型名称", max_length=100)
    issuer = models.ForeignKey(
        Organisation, verbose_name="颁发机构", on_delete=models.PROTECT, related_name="certificate_types"
    )
    holder_kind = models.CharField("持证主体类型", max_length=10, choices=ApplicantKind.choices)
    validity_years = models.PositiveSmallIntegerField(
        "有效期（年）", null=True, blank=True, help_text="不填为长期有效"
    )
    number_rule = models.CharField(
        "证照编号规则", max_length=10, choices=NumberRule.choices, default=NumberRule.SERIAL
    )
    number_prefix = models.CharField("证照编号前缀", max_length=40, blank=True)
    several_per_holder = models.BooleanField(
        "同一持证主体可持多证", default=False, help_text="不勾选时，同一持证主体只能有一本有效证照"
    )
    items = models.ManyToManyField(
        ServiceItem, verbose_name="发证事项", blank=True, related_name="certificate_types"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "证照类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def organisation_id(self) -> int:
        return self.issuer_id


class CertificateCounter(models.Model):
    """The last serial used for a (type, year): serials never repeat or collide."""

    prefix = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


LIVE = models.Q(state=CertificateState.VALID)


class Certificate(models.Model):
    """One version of an electronic certificate. A renewal, change or reissue is a new version with the
    same serial and the next version number; the one it replaces lapses (05 失效)."""

    identifier = models.CharField("电子证照标识", max_length=100)
    type = models.ForeignKey(
        CertificateType, verbose_name="证照类型", on_delete=models.PROTECT, related_name="certificates"
    )
    name = models.CharField("证照名称", max_length=100)
    number = models.CharField("证照编号", max_length=60)
    serial = models.CharField("流水号", max_length=40)
    version = models.PositiveSmallIntegerField("版本号", default=1)
    operation = models.CharField("操作类型", max_length=2, choices=Operation.choices, default=Operation.NEW)

    holder_name = models.CharField("持证主体", max_length=100)
    holder_code_type = models.CharField("持证主体代码类型", max_length=3, choices=HolderCodeType.choices)
    # Sealed with SM4-GCM (core/fields.py): a person's code is their ID number. Looked up by its blind index.
    holder_code = SealedCharField("持证主体代码", max_length=18)
    holder_code_index = BlindIndexField("持证主体代码检索码", of="holder_code")

    issuer = models.ForeignKey(
        Organisation, verbose_name="颁发机构", on_delete=models.PROTECT, related_name="certificates"
    )
    issuer_code = models.CharField("颁发机构代码", max_length=18)
    issuer_name = models.CharField("颁发机构名称", max_length=100)
    area_code = models.CharField("所属管辖属地编码", max_length=12, blank=True)
    issued_on = models.DateField("颁发日期")
    valid_from = models.DateField("有效期起始")
    valid_to = models.DateField("有效期截止", null=True, blank=True, help_text="空为长期有效")
    content = models.JSONField("证照内容", default=list, help_text="[[标签, 内容], …]，按票面顺序")

    state = models.CharField(
        "证照状态", max_length=2, choices=CertificateState.choices, default=CertificateState.VALID
    )
    state_reason = models.CharField("状态变更原因", max_length=300, blank=True)
    state_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)
    lock_version = models.PositiveIntegerField("版本", default=0)

    case = models.ForeignKey(
        Case, verbose_name="来源办件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        ServiceItem,
        verbose_name="关联事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name="替代的证照",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )

    verify_code = models.CharField("核验码", max_length=4)
    digest = models.CharField("SM3摘要", max_length=64)
    signature = models.CharField("系统数字签名", max_length=200)
    key_id = models.CharField("签名密钥标识", max_length=32)
    signed_at = models.DateTimeField("签名时间")
    ofd = models.FileField("OFD版式文件", upload_to="certificates/%Y/", max_length=255, blank=True)
    pdf = models.FileField("PDF文件", upload_to="certificates/%Y/", max_length=255, blank=True)
    # The SM3 digests of the stored files: an uploaded copy is genuine when its digest is one of these.
    ofd_digest = models.CharField("OFD文件SM3摘要", max_length=64, blank=True, db_index=True)
    pdf_digest = models.CharField("PDF文件SM3摘要", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "电子证照"
        constraints = [
            models.UniqueConstraint(fields=["identifier"], name="certificate_identifier_unique"),
            # A case issues a type once, however often its 办结 event is delivered.
            models.UniqueConstraint(
                fields=["case", "type"],
                condition=models.Q(case__isnull=False, operation="01"),
                name="one_certificate_per_case_type",
            ),
            models.UniqueConstraint(fields=["type", "serial", "version"], name="certificate_version_unique"),
        ]
        indexes = [
            # 免提交: a holder's live certificates; the holder's list.
            models.Index(fields=["holder_code_index", "state"], name="certificate_holder"),
            models.Index(fields=["issuer", "issued_on"], name="certificate_issuer_issued"),
            models.Index(fields=["case"], name="certificate_case"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.number}"

    @property
    def organisation_id(self) -> int:
        """Permissions ask the issuing organisation."""
        return self.issuer_id


class UseChannel(models.TextChoices):
    WINDOW = "window", "窗口调用"
    ONLINE = "online", "网上申报调用"
    API = "api", "接口调用"


class CertificateUse(models.Model):
    """用证记录: who used a holder's certificate, for what (申请事由) and in which case; the holder sees them."""

    certificate = models.ForeignKey(
        Certificate, verbose_name="电子证照", on_delete=models.PROTECT, related_name="uses"
    )
    purpose = models.CharField("用证事由", max_length=200)
    material = models.CharField("替代的申请材料", max_length=200, blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate_uses",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="用证机构", on_delete=models.PROTECT, related_name="+"
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField("调用渠道", max_length=10, choices=UseChannel.choices)
    at = models.DateTimeField("用证时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "用证记录"
        ordering = ["-at", "-id"]
        constraints = [
            # One material of a case is replaced once.
            models.UniqueConstraint(
                fields=["case", "material"],
                condition=models.Q(case__isnull=False),
                name="one_use_per_material",
            )
        ]
        indexes = [models.Index(fields=["certificate", "at"], name="certificate_use_at")]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.purpose}"


class Verification(models.Model):
    """核验记录: every verification, by identifier and code, by QR code, by an uploaded file or the API."""

    class Outcome(models.TextChoices):
        VALID = "valid", "有效"
        INVALID = "invalid", "无效（已注销、吊销、失效或签名不符）"
        NOT_FOUND = "not_found", "未找到"

    certificate = models.ForeignKey(
        Certificate,
        verbose_name="电子证照",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identifier = models.CharField("查询的标识", max_length=100)
    method = models.CharField("核验方式", max_length=10)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    at = models.DateTimeField("核验时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "核验记录"
        indexes = [models.Index(fields=["certificate", "at"], name="certificate_verified_at")]

    def __str__(self) -> str:
        return f"{self.identifier} {self.outcome}"


class CombinedState(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEW = "review", "待审核"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


class CombinedService(models.Model):
    """一件事一次办 (多证合一): one application, one form and one material list over several items of
    several organisations, split on acceptance into a sub-case per item."""

    code = models.CharField("一件事编码", max_length=40, unique=True)
    name = models.CharField("一件事名称", max_length=100)
    description = models.TextField("说明", blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="牵头机构", on_delete=models.PROTECT, related_name="combined_services"
    )
    applicant_kind = models.CharField("申请人类型", max_length=10, choices=ApplicantKind.choices)
    state = models.CharField(
        "状态", max_length=10, choices=CombinedState.choices, default=CombinedState.DRAFT
    )
    review_comment = models.CharField("审核意见", max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    lock_version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "一件事"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CombinedPart(models.Model):
    """An item of a combined service, in order; `after` names the part that must conclude first (串联),
    none: it runs in parallel with the others."""

    service = models.ForeignKey(
        CombinedService, verbose_name="一件事", on_delete=models.CASCADE, related_name="parts"
    )
    item = models.ForeignKey(ServiceItem, verbose_name="事项", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField("序号", default=0)
    after = models.ForeignKey(
        "self", verbose_name="前置事项", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "一件事包含的事项"
        ordering = ["service", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "item"], name="one_part_per_item")]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.item_id}"


class CombinedResult(models.TextChoices):
    """How a 一件事 ended: every part 出证办结, or some refused, denied or withdrawn (部分办结)."""

    ALL = "all", "全部办结（证照已全部出具）"
    PARTIAL = "partial", "部分办结（有事项未出证）"


class CombinedCase(models.Model):
    """One 一件事 application: one applicant, one form, one material list; a sub-case per part concludes on
    its own, and the combined case concludes when all have."""

    number = models.CharField("一件事办件编号", max_length=60, unique=True)
    service = models.ForeignKey(
        CombinedService, verbose_name="一件事", on_delete=models.PROTECT, related_name="cases"
    )
    submitted_at = models.DateTimeField("申报时间", default=timezone.now)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.CharField("办结结果", max_length=10, choices=CombinedResult.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "一件事办件"
        indexes = [models.Index(fields=["service", "submitted_at"], name="combined_case_service")]

    def __str__(self) -> str:
        return self.number


class CombinedCasePart(models.Model):
    """A sub-case of a combined case, for one part of its service."""

    combined = models.ForeignKey(
        CombinedCase, verbose_name="一件事办件", on_delete=models.CASCADE, related_name="parts"
    )
    part = models.ForeignKey(CombinedPart, verbose_name="事项", on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(
        Case, verbose_name="子办件", on_delete=models.PROTECT, related_name="combined_part"
    )

    class Meta:
        verbose_name = verbose_name_plural = "一件事子办件"
        constraints = [models.UniqueConstraint(fields=["combined", "part"], name="one_case_per_part")]

    def __str__(self) -> str:
        return f"{self.combined_id}:{self.case_id}"
