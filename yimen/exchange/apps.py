from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "yimen.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from yimen.core import events
        from yimen.exchange import handlers  # noqa: F401  (subscribes to the event catalogue)
        from yimen.exchange.push import worker_pass
        from yimen.exchange.stats import report_sentence
        from yimen.reports import contributions

        events.every_pass(worker_pass)
        contributions.register(report_sentence)  # 及时率、准确率 in the annual report's wording
