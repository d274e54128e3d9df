"""The shop's forms: a call-back request and a delivery-tracking subscription."""

SERVICE_SMS = {
    "purpose": "service_sms",
    "required": True,
    "text": "Согласен на обработку номера телефона для ответа на заявку и служебных SMS "
            "(152-ФЗ).",
    "policy_url": "/privacy",
}
MARKETING_SMS = {
    "purpose": "marketing_sms",
    "required": False,
    "text": "Хочу получать SMS о скидках и новинках (можно отписаться в любой момент, 38-ФЗ).",
    "policy_url": "/privacy",
}

FORMS = {
    "callback": {
        "mode": "inline",
        "locale": "ru",
        "default_region": "RU",
        "countries": ["RU", "KZ", "BY"],
        "fields": {"name": "optional"},
        "texts": {
            "title": "Перезвоните мне",
            "offer": "Поможем выбрать чайник под ваш стол и воду.",
            "purpose": "Номер нужен, чтобы менеджер перезвонил по этой заявке.",
            "promise": "Менеджер перезвонит в течение 15 минут (9:00–21:00).",
            "submit": "Жду звонка",
        },
        "consents": [SERVICE_SMS, MARKETING_SMS],
    },
    "tracking": {
        "mode": "inline",
        "locale": "ru",
        "default_region": "RU",
        "countries": ["RU"],
        "texts": {
            "title": "Статус доставки по SMS",
            "purpose": "Пришлём код отслеживания и сообщим, когда заказ приедет.",
            "promise": "Только сообщения о вашем заказе.",
            "submit": "Получать статус",
        },
        "consents": [SERVICE_SMS, MARKETING_SMS],
    },
}
