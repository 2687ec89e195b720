// The reader's words for a catalogue field's broken rule.
import { useTranslation } from 'react-i18next';
import type { Explain } from '../../ui/formFields';

export function useCatalogueRuleText(): Explain {
  const { t, i18n } = useTranslation();
  return (_field, rule) => {
    if (!rule) return undefined;
    for (const key of [`catalogue.rules.${rule}`, `patients.rules.${rule}`])
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      if (i18n.exists(key)) return t(key as any) as string;
    return t('patients.rules.format');
  };
}
