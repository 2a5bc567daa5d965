import { en } from "./en";
import type { MessageKey } from "./en";
import { ru } from "./ru";

export type Locale = "en" | "ru";
export const LOCALES: { code: Locale; name: string }[] = [
  { code: "en", name: "English" },
  { code: "ru", name: "Русский" },
];
const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, ru };

export function initialLocale(): Locale {
  const saved = localStorage.getItem("sda.locale");
  if (saved === "en" || saved === "ru") return saved;
  return navigator.language.toLowerCase().startsWith("ru") ? "ru" : "en";
}

/** The message in the locale with `{name}` placeholders filled. */
export function translate(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return CATALOGUES[locale][key].replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export function hasMessage(key: string): key is MessageKey {
  return key in en;
}

/** Units are integers as decimal strings (uint256): BigInt keeps them exact, Intl groups the digits. */
export function formatUnits(locale: Locale, units: string): string {
  try {
    return new Intl.NumberFormat(locale).format(BigInt(units));
  } catch {
    return units;
  }
}

export function formatTime(locale: Locale, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // timeStyle "long" names the zone (dateStyle and timeZoneName may not be combined).
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "long", timeZone: "UTC" }).format(d);
}

export type { MessageKey };
