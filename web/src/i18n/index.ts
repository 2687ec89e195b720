// The application's languages (i18next): English, Spanish and Catalan. The language is the
// person's choice, kept in this browser; until they choose, the browser's own if we have it.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { es } from './es';
import { ca } from './ca';

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Español' },
  { code: 'ca', name: 'Català' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'vireo.language';

export function isLanguage(code: string): code is Language {
  return LANGUAGES.some((l) => l.code === code);
}

// The first of the browser's preferred languages that we have ("ca-ES" is Catalan), else English.
export function pickLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (stored && isLanguage(stored)) return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

function storedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export async function setLanguage(code: Language): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // A browser that keeps nothing still switches for this visit.
  }
  await i18n.changeLanguage(code);
}

i18n.on('languageChanged', (lng) => {
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, es: { translation: es }, ca: { translation: ca } },
  lng: pickLanguage(storedLanguage(), typeof navigator === 'undefined' ? [] : navigator.languages),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes what it renders
  returnNull: false,
});

export default i18n;

// The clinic's region (clinic_region, from /api/ris/clinic once signed in): '' until known, or
// where the clinic leaves it to each browser.
let clinicRegion = '';

// Sets the clinic's region; the screens are drawn again (as on a change of language) to write
// dates its way.
export function setClinicRegion(region: string) {
  const next = /^[A-Z]{2}$/.test(region) ? region : '';
  if (next === clinicRegion) return;
  clinicRegion = next;
  void i18n.changeLanguage(i18n.language);
}

// The locale dates and numbers are written in: the reader's language with the clinic's region,
// else the browser's, so that English read in Spain writes a date day first (en-ES:
// 04/12/2026), as the clinic's documents do, and a birth date is never typed month first by
// mistake.
export function formatLocale(language: string, preferred: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages,
  region: string = clinicRegion): string {
  if (region) {
    const locale = `${language}-${region}`;
    if (Intl.DateTimeFormat.supportedLocalesOf([locale]).length) return locale;
  }
  for (const tag of preferred) {
    const region = /^[a-z]{2,3}-([A-Z]{2}|\d{3})\b/i.exec(tag)?.[1];
    if (region) {
      const locale = `${language}-${region.toUpperCase()}`;
      if (Intl.DateTimeFormat.supportedLocalesOf([locale]).length) return locale;
    }
  }
  return language;
}
