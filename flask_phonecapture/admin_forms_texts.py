"""Every text of the form editor pages (admin_forms.py), ru and en: the page speaks ``?lang=``, else
the browser's language. The schema's own messages (forms.error_items) stay in English except the
commonest, which admin_forms._ru_words says in Russian."""
from __future__ import annotations

TEXTS: dict[str, dict] = {
    "en": {
        "list_title": "Forms",
        "list_intro": "Change when and where a form appears and what it says. A save is live on the "
                      "site within a few seconds; every version is kept and can be restored.",
        "col_form": "Form", "col_mode": "Mode", "col_shown": "On the site", "col_version": "Live version",
        "col_by": "Changed by", "col_when": "When (UTC)", "col_actions": "Actions",
        "col_impressions": "Impressions", "col_submissions": "Submissions", "col_verified": "Verified",
        "figures_note": "Impressions, submissions and verified numbers: the last {days} days (UTC), as the "
                        "Sources report counts them; it has them by source too.",
        "figures_link": "Sources report", "copy_action": "Copy",
        "yes": "yes", "no": "no (off)", "app_config": "app config", "version": "version {n}",
        "edit": "Edit", "view": "View", "history": "History",
        "edit_title": "Form “{id}”", "view_only": "You can read this form; the marketer or admin role may change it.",
        "live_is": "Live: {version}.", "quick_title": "Common settings",
        "legend_form": "The form", "legend_texts": "Texts", "legend_rules": "When and where it appears",
        "version_heading": "Version {n}",
        "config_changed": "The app config of this form has changed since this version was saved; the saved "
                          "version is still what the site shows. Compare them in the history, and choose "
                          "“Use the app config again” there to take the new config.",
        "config_changed_short": "app config changed since",
        "mode": "Mode", "modes": {"popup": "Popup", "inline": "Inline (in the page)", "slidein": "Slide-in",
                                  "exit_intent": "Exit intent", "button": "Floating button"},
        "active": "Show this form on the site",
        "title": "Title", "offer": "Offer", "purpose": "Why we ask for the number",
        "promise": "What happens next", "submit": "Button text",
        "texts_hint": "Empty: the built-in text.",
        "delay_s": "Delay before it opens, seconds", "scroll_pct": "Open after scrolling, % of the page",
        "rules_hint": "Popup, slide-in and button forms; empty: the mode's default.",
        "include": "Only on these pages (one path per line, * matches anything)",
        "exclude": "Never on these pages", "device": "Devices",
        "devices": {"any": "Any", "mobile": "Phones only", "desktop": "Computers only"},
        "after_close_days": "After a visitor closes it, ask again in (days)",
        "after_submit_days": "After a visitor leaves a number, ask again in (days)",
        "note": "What changed and why", "json_note": "What changed in the JSON and why", "note_hint": "Required; shown in the history.",
        "save": "Save and publish", "json_title": "Advanced: the whole form as JSON",
        "json_label": "Form configuration (JSON)",
        "json_hint": "The same keys as PHONECAPTURE_FORMS (README, “Forms”). Checked before it is saved.",
        "save_json": "Save JSON and publish",
        "consents_title": "Consent texts", "consents_ro": "Only an admin may change consent texts, purposes "
                                                         "and required flags (they are legal wording).",
        "required": "required", "optional": "optional",
        "errors_title": "The form was not saved",
        "error_title": "Error: {title}",
        "note_required": "Say what changed and why.",
        "bad_json": "The JSON could not be read: line {line}, column {col}: {msg}.",
        "not_object": "The JSON must be an object {…} of form settings.",
        "nul": "The form holds a NUL character (\\u0000); remove it.",
        "surrogate": "The form holds half of a character (a lone \\ud800-\\udfff escape); remove it.",
        "no_change": "Nothing to save: these settings are the ones the site shows now.",
        "long_number": "The JSON holds a number too long to read; no setting takes more than a few digits.",
        "json_required": "Paste or write the form's JSON.",
        "id_key": "id: the form id can't be changed here; remove id.",
        "consents_admin": "consents: only an admin may change consent texts, purposes or required flags.",
        "stale": "Someone ({actor}) saved version {n} while you were editing. Your changes are below but "
                 "were not saved: reload the page to see version {n}, then make your change again.",
        "csrf": "The page had been open too long. Your changes are below; save again.",
        "bad_request": "The page sent something unexpected; reload it.",
        "saved": "Saved as version {n}; it is live now.",
        "new_title": "New form",
        "new_intro": "A new form starts as a copy of another one (its texts, rules and consent texts) "
                     "and is off until you switch it on: write what it says and when it appears, tick "
                     "“Show this form on the site” and save.",
        "new_id": "Form id", "new_id_hint": "Lowercase letters, digits, - and _; it can't be changed later "
                                            "(reports and leads name the form by it).",
        "new_mode": "Mode", "copy_of": "Start from", "copy_of_hint": "Its consent texts come with it unchanged.",
        "create": "Create form (off)", "new_id_required": "Name the new form.",
        "new_errors_title": "The form was not created",
        "id_taken": "id: “{id}” is taken (a form has or had this id); choose another id.",
        "created_note": "Created as a copy of “{src}”, off",
        "created": "Form created as version 1. It is off: write its texts and rules, tick “Show this form "
                   "on the site” and save.",
        "created_here": "created here",
        "embed_title": "On the site",
        "embed_auto": "It shows on every page whose template has {tag} (the site's base template, "
                      "once), where its rules allow. On a page of another site, paste:",
        "embed_inline": "An inline form shows where a page has a place for it. In a Flask template: {tag}; "
                        "on a page of another site, paste:",
        "history_title": "History of “{id}”",
        "history_intro": "Newest first. Each version shows what changed against the one before.",
        "version_app": "the app config (PHONECAPTURE_FORMS)",
        "restore": "Restore this version", "restore_config": "Use the app config again",
        "restored_note": "Restored version {n}", "restored_config_note": "Back to the app config",
        "no_diff": "No change in the settings.", "by_at": "{actor}, {at} UTC",
        "no_history": "Never edited: the form is as in the app config.",
        "back": "All forms", "see_history": "History and restore",
        "diff_label": "Changes in version {n}",
        "errors": {
            400: ("Bad request", "The page sent something unexpected. Open it again."),
            403: ("Forbidden", "You don't have access to this page. Ask the site's administrator for the "
                               "marketer or admin role."),
            404: ("Not Found", "There is no such form or version."),
            405: ("Method not allowed", "This address can't be used that way."),
            409: ("Changed meanwhile", "Someone saved this form while you were looking at it. Open the "
                                       "history again and choose the version once more."),
            413: ("Too large", "The form sent was larger than 64 KB; a form configuration is a few KB."),
            422: ("Can't restore", "That version no longer passes today's checks; edit the form instead."),
            503: ("Service unavailable", "The forms can't be read right now: the database is unavailable. "
                                         "Try again in a minute."),
        },
    },
    "ru": {
        "list_title": "Формы",
        "list_intro": "Когда и где появляется форма и что в ней написано. Сохранённое появляется на сайте "
                      "через несколько секунд; все версии хранятся, любую можно вернуть.",
        "col_form": "Форма", "col_mode": "Вид", "col_shown": "На сайте", "col_version": "Действующая версия",
        "col_by": "Кто изменил", "col_when": "Когда (UTC)", "col_actions": "Действия",
        "col_impressions": "Показы", "col_submissions": "Заявки", "col_verified": "Подтверждено",
        "figures_note": "Показы, заявки и подтверждённые номера: последние {days} дней (UTC), как их считает "
                        "отчёт по источникам; там они есть и по источникам.",
        "figures_link": "Отчёт по источникам", "copy_action": "Копировать",
        "yes": "да", "no": "нет (выключена)", "app_config": "из настроек приложения", "version": "версия {n}",
        "edit": "Изменить", "view": "Открыть", "history": "История",
        "edit_title": "Форма «{id}»", "view_only": "Форму можно посмотреть; менять её могут роли marketer и admin.",
        "live_is": "Действует: {version}.", "quick_title": "Основные настройки",
        "legend_form": "Форма", "legend_texts": "Тексты", "legend_rules": "Когда и где появляется",
        "version_heading": "Версия {n}",
        "config_changed": "Настройки этой формы в приложении изменились после сохранения этой версии; на "
                          "сайте по-прежнему сохранённая версия. Сравните их в истории и выберите там "
                          "«Вернуть настройки приложения», чтобы взять новые.",
        "config_changed_short": "настройки приложения с тех пор изменились",
        "mode": "Вид", "modes": {"popup": "Всплывающее окно", "inline": "В тексте страницы",
                                 "slidein": "Выезжает сбоку", "exit_intent": "При уходе со страницы",
                                 "button": "Плавающая кнопка"},
        "active": "Показывать форму на сайте",
        "title": "Заголовок", "offer": "Предложение", "purpose": "Зачем нужен номер",
        "promise": "Что будет дальше", "submit": "Текст кнопки",
        "texts_hint": "Пусто — встроенный текст.",
        "delay_s": "Открыть через, секунд", "scroll_pct": "Открыть после прокрутки, % страницы",
        "rules_hint": "Для всплывающих, выезжающих форм и кнопки; пусто — как принято для вида.",
        "include": "Только на этих страницах (по пути в строке, * — что угодно)",
        "exclude": "Никогда на этих страницах", "device": "Устройства",
        "devices": {"any": "Любые", "mobile": "Только телефоны", "desktop": "Только компьютеры"},
        "after_close_days": "Если посетитель закрыл форму, снова показать через (дней)",
        "after_submit_days": "Если посетитель оставил номер, снова показать через (дней)",
        "note": "Что изменено и зачем", "json_note": "Что изменено в JSON и зачем", "note_hint": "Обязательно; видно в истории.",
        "save": "Сохранить и опубликовать", "json_title": "Для опытных: вся форма в JSON",
        "json_label": "Настройки формы (JSON)",
        "json_hint": "Те же ключи, что в PHONECAPTURE_FORMS (README, «Forms»). Проверяется перед сохранением.",
        "save_json": "Сохранить JSON и опубликовать",
        "consents_title": "Тексты согласий", "consents_ro": "Тексты согласий, цели и обязательность меняет "
                                                            "только admin: это юридические формулировки.",
        "required": "обязательное", "optional": "необязательное",
        "errors_title": "Форма не сохранена",
        "error_title": "Ошибка: {title}",
        "note_required": "Напишите, что изменено и зачем.",
        "bad_json": "JSON не читается: строка {line}, позиция {col}: {msg}.",
        "not_object": "JSON должен быть объектом {…} с настройками формы.",
        "nul": "В форме есть символ NUL (\\u0000); уберите его.",
        "surrogate": "В форме есть половина символа (одиночный \\ud800-\\udfff); уберите её.",
        "no_change": "Сохранять нечего: на сайте уже эти настройки.",
        "long_number": "В JSON слишком длинное число; ни одной настройке не нужно больше нескольких цифр.",
        "json_required": "Вставьте или напишите JSON формы.",
        "id_key": "id: идентификатор формы здесь не меняется; уберите id.",
        "consents_admin": "consents: тексты согласий, цели и обязательность может менять только admin.",
        "stale": "Пока вы редактировали, {actor} сохранил версию {n}. Ваши правки ниже, но не сохранены: "
                 "обновите страницу, чтобы увидеть версию {n}, и внесите правку снова.",
        "csrf": "Страница была открыта слишком долго. Ваши правки ниже; сохраните ещё раз.",
        "bad_request": "Страница отправила что-то неожиданное; обновите её.",
        "saved": "Сохранено как версия {n}; она уже действует.",
        "new_title": "Новая форма",
        "new_intro": "Новая форма начинается как копия другой (её тексты, правила и тексты согласий) и "
                     "выключена, пока вы её не включите: напишите, что в ней сказано и когда она "
                     "появляется, отметьте «Показывать форму на сайте» и сохраните.",
        "new_id": "Идентификатор формы", "new_id_hint": "Строчные латинские буквы, цифры, - и _; потом его "
                                                        "не изменить (по нему форму называют отчёты и заявки).",
        "new_mode": "Вид", "copy_of": "Взять за основу", "copy_of_hint": "Её тексты согласий переходят без изменений.",
        "create": "Создать форму (выключенной)", "new_id_required": "Назовите новую форму.",
        "new_errors_title": "Форма не создана",
        "id_taken": "id: «{id}» занят (такой идентификатор есть или был у формы); выберите другой.",
        "created_note": "Создана как копия «{src}», выключена",
        "created": "Форма создана как версия 1. Она выключена: напишите тексты и правила, отметьте "
                   "«Показывать форму на сайте» и сохраните.",
        "created_here": "создана здесь",
        "embed_title": "На сайте",
        "embed_auto": "Форма появляется на каждой странице, в шаблоне которой есть {tag} (один раз, в "
                      "базовом шаблоне сайта), там, где позволяют её правила. На странице другого сайта "
                      "вставьте:",
        "embed_inline": "Встроенная форма появляется там, где на странице есть место для неё. В шаблоне "
                        "Flask: {tag}; на странице другого сайта вставьте:",
        "history_title": "История формы «{id}»",
        "history_intro": "Сначала новые. У каждой версии показано, что изменилось по сравнению с предыдущей.",
        "version_app": "настройки приложения (PHONECAPTURE_FORMS)",
        "restore": "Вернуть эту версию", "restore_config": "Вернуть настройки приложения",
        "restored_note": "Возвращена версия {n}", "restored_config_note": "Возврат к настройкам приложения",
        "no_diff": "Настройки не менялись.", "by_at": "{actor}, {at} UTC",
        "no_history": "Форму не меняли: она такая, как в настройках приложения.",
        "back": "Все формы", "see_history": "История и возврат версий",
        "diff_label": "Изменения в версии {n}",
        "errors": {
            400: ("Неверный запрос", "Страница отправила что-то неожиданное. Откройте её заново."),
            403: ("Нет доступа", "У вас нет доступа к этой странице. Попросите администратора сайта "
                                 "выдать вам роль marketer или admin."),
            404: ("Страница не найдена", "Такой формы или версии нет."),
            405: ("Метод не поддерживается", "Этот адрес так использовать нельзя."),
            409: ("Форму уже изменили", "Пока вы смотрели, форму сохранили. Откройте историю заново и "
                                        "выберите версию ещё раз."),
            413: ("Слишком много данных", "Отправлено больше 64 КБ; настройки формы занимают несколько КБ."),
            422: ("Версию не вернуть", "Эта версия не проходит сегодняшние проверки; измените форму вместо этого."),
            503: ("Сервис недоступен", "Формы сейчас не прочитать: база данных недоступна. "
                                       "Попробуйте через минуту."),
        },
    },
}
