/** Built-in texts (ru, en). Every key can be overridden by the form's `texts`. */
export type Texts = Record<string, string>;

const keys =
  "title purpose submit phone_label name_label code_label verify resend wrong_number code_sent success_title success_text close country policy optional e_required e_phone e_consent e_code e_gone e_rate e_network";

const ru =
  "Перезвоним вам|Номер нужен только для ответа на заявку|Перезвоните мне|Телефон|Имя|Код из SMS|Подтвердить|Отправить код ещё раз|Неверный номер?|Код отправлен на {phone}|Номер подтверждён|Спасибо! Скоро свяжемся.|Закрыть|Страна|Политика конфиденциальности|необязательно|Заполните поле|Проверьте номер|Нужно ваше согласие|Неверный код, осталось попыток: {n}|Код не действует, запросите новый|Слишком часто, подождите {s} с|Не удалось отправить, попробуйте ещё раз";

const en =
  "We'll call you back|We use your number only to answer this request|Call me back|Phone|Name|Code from SMS|Confirm|Send the code again|Wrong number?|Code sent to {phone}|Number confirmed|Thank you! We'll be in touch soon.|Close|Country|Privacy policy|optional|Please fill in this field|Check the number|Your consent is needed|Wrong code, attempts left: {n}|The code is no longer valid, request a new one|Too often, wait {s} s|Could not send, please try again";

/**
 * Texts for a locale ("ru…" → Russian, else English) with the form's overrides;
 * `texts.errors.{phone,…}` override the `e_…` keys. Unset offer/promise/code_title/teaser
 * fall back in the UI (nothing, nothing, title, submit).
 */
export function texts(locale: string, over: Record<string, any> = {}): Texts {
  const vals = (/^ru/i.test(locale) ? ru : en).split("|");
  const t: Texts = {};
  keys.split(" ").forEach((k, i) => (t[k] = vals[i]));
  for (const k in over.errors) t["e_" + k] = over.errors[k];
  for (const k in over) if (typeof over[k] == "string") t[k] = over[k];
  return t;
}

/** Fill "{s}" placeholders. */
export const fill = (s: string, v: Record<string, unknown>): string => s.replace(/\{(\w+)\}/g, (_, k) => String(v[k] ?? ""));
