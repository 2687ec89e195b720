// A section's normal-text macros: a menu button beside the section; the one chosen is added at
// the section's end (PowerScribe's "normals"), keyboard-operable like any menu; each shows its
// Alt shortcut, which inserts it from the section's text.
import { useTranslation } from 'react-i18next';
import { Button, Menu, MenuItem, MenuTrigger, Popover } from 'react-aria-components';
import type { ReportMacro } from './types';

export function MacroMenu({ section, title, macros, onInsert }: {
  section: string; title: string; macros: ReportMacro[]; onInsert: (text: string) => void;
}) {
  const { t } = useTranslation();
  const mine = macros.filter((m) => m.section === section);
  if (mine.length === 0) return null;
  return (
    <MenuTrigger>
      <Button className="macro-button" aria-label={t('report.normalTextFor', { section: title })}
        data-testid={`macros-${section}`}>
        {t('report.normalText')} <span aria-hidden="true">▾</span>
      </Button>
      <Popover className="select-popover">
        <Menu onAction={(key) => {
          const macro = mine.find((m) => m.key === key);
          if (macro) onInsert(macro.text);
        }}>
          {mine.map((m) => (
            <MenuItem key={m.key} id={m.key} textValue={m.name}>
              {/* Said by the section's text box (aria-keyshortcuts); here it is a reminder to the eye. */}
              {m.name}{m.shortcut && <kbd className="shortcut" aria-hidden="true">{m.shortcut}</kbd>}
            </MenuItem>
          ))}
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}
