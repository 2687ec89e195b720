// The text being written, section by section, saved as it is typed (autosave.ts): the report
// until it is signed, then an addendum. The viewer's measurements go into the findings, and the
// image it shows among the key images, with one action each; handing it on as preliminary and
// signing (after re-authenticating) save it first.
import { Fragment, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Label, TextArea, TextField } from 'react-aria-components';
import { formatLocale } from '../i18n';
import { formatMoment } from '../i18n/format';
import { useAppNavigate } from '../session';
import { useViewerSelection } from '../viewer/ViewerSelection';
import { Notice, SelectField } from '../ui/fields';
import { useAutosave } from './autosave';
import { type DraftKind, useRelease, useSubmitPreliminary } from './reading';
import { appended, isEmpty, measurementLine, withTemplate, withText } from './reportDraft';
import { MacroMenu } from './MacroMenu';
import { BlankFields } from './BlankFields';
import { filled, macroForKey } from './blanks';
import { SignDialog } from './SignDialog';
import { StructuredFindings } from './StructuredFindings';
import { KeyImages } from './KeyImages';
import { reportProblemText } from './problems';
import type { ReportContent, ReportTemplate } from './types';

const ROWS: Record<string, number> = { findings: 10, impression: 4, addendum: 6 };

export function DraftEditor({ orderId, study, subject, kind, loaded, revision, canHandOn, templates = [], merge = (c) => c }: {
  orderId: number; study: string; kind: DraftKind; loaded: ReportContent; revision: number; canHandOn: boolean;
  subject: string; // the patient and the exam, as the signature dialog names them
  templates?: ReportTemplate[];
  merge?: (content: ReportContent, template: ReportTemplate) => ReportContent; // its merge fields filled from the RIS
}) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const [typed, setTyped] = useState(loaded);
  const autosave = useAutosave(orderId, kind, typed, loaded, revision);
  const preliminary = useSubmitPreliminary(orderId);
  const release = useRelease(orderId);
  const navigate = useAppNavigate();
  // Leaving it for a colleague: what was typed is saved first, then the claim goes.
  const leave = async () => {
    setProblem('');
    try {
      await autosave.flush();
      await release.mutateAsync();
      navigate('/');
    } catch (e) {
      setProblem(reportProblemText(t, e));
    }
  };
  const selection = useViewerSelection();
  const [signing, setSigning] = useState(false);
  const [problem, setProblem] = useState('');
  const inserted = useRef(new Set<string>());
  const target = kind === 'addendum' ? 'addendum' : 'findings';
  // This exam's measurements only (a prior's compared beside it are the prior's), each once.
  const insertMeasurements = () => {
    const name = (key: string) => (i18n.exists(`report.measure.${key}`) ? t(`report.measure.${key}` as 'report.measure.length') : key);
    const why = selection.unavailable?.();
    if (why) return setProblem(t(why as 'report.imagesWindow.notThisExam'));
    const fresh = selection.measurements().filter((m) => m.image.study === study && !inserted.current.has(m.uid));
    const lines = fresh.map((m) => measurementLine(m, locale, name));
    if (lines.length === 0) return setProblem(t('report.noMeasurements'));
    for (const m of fresh) inserted.current.add(m.uid);
    setProblem('');
    const section = typed.sections.find((s) => s.key === target);
    if (section) setTyped(withText(typed, target, appended(section.text, lines)));
  };
  const handOn = async () => {
    setProblem('');
    try {
      const rev = await autosave.flush();
      autosave.adopt(await preliminary.mutateAsync(rev));
    } catch (e) {
      setProblem(reportProblemText(t, e));
    }
  };
  const empty = isEmpty(typed);
  const template = templates.find((x) => x.code === typed.templateCode);
  const title = (key: string) => t(`report.sections.${key}` as 'report.sections.findings');
  // The structured findings, under the findings they belong with.
  const codedAfter = 'findings';
  const insertMacro = (section: string, text: string) =>
    setTyped((c) => withText(c, section, appended(c.sections.find((x) => x.key === section)?.text ?? '', [text])));
  const coded = (
    <StructuredFindings findings={typed.findings ?? []} onChange={(findings) => setTyped((c) => ({ ...c, findings }))} />
  );
  return (
    <form className="report-draft" aria-label={t(kind === 'addendum' ? 'report.addendumForm' : 'report.reportForm')}
      onSubmit={(e) => e.preventDefault()}
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key === 's') {
          e.preventDefault();
          void autosave.flush().catch(() => undefined);
        }
      }}>
      {kind === 'report' && templates.length > 0 && (
        <SelectField name="template" label={t('report.template')} hint={t('report.templateHint')}
          value={typed.templateCode} placeholder={t('report.coded.choose')}
          options={templates.map((x) => ({ value: x.code, label: x.name }))}
          onChange={(code) => {
            const chosen = templates.find((x) => x.code === code);
            if (chosen) {
              setTyped((c) => merge(withTemplate(c, chosen, title, templates.find((x) => x.code === c.templateCode), i18n.language),
                chosen));
            }
          }} />
      )}
      {typed.sections.map((s) => (
        <Fragment key={s.key}>
          <TextField className="field report-section" value={s.text}
            onChange={(text) => setTyped((c) => withText(c, s.key, text))}>
            <div className="section-head">
              <Label className="react-aria-Label">{s.title}</Label>
              <MacroMenu section={s.key} title={s.title} macros={template?.macros ?? []}
                onInsert={(text) => insertMacro(s.key, text)} />
            </div>
            <TextArea rows={ROWS[s.key] ?? 2} data-section={s.key}
              aria-keyshortcuts={(template?.macros ?? []).filter((m) => m.shortcut).map((m) => m.shortcut).join(' ') || undefined}
              onKeyDown={(e) => {
              const macro = macroForKey(template?.macros ?? [], s.key, e);
              if (!macro) return;
              e.preventDefault();
              insertMacro(macro.section, macro.text);
            }} />
          </TextField>
          <BlankFields section={s.key} title={s.title} text={s.text} template={template}
            onFill={(label, value) => setTyped((c) => withText(c, s.key, filled(c.sections.find((x) => x.key === s.key)?.text ?? '', label, value)))} />
          {s.key === codedAfter && coded}
        </Fragment>
      ))}
      {!typed.sections.some((s) => s.key === codedAfter) && coded}
      <KeyImages study={study} content={typed} onChange={setTyped} />
      <p className={`save-state save-${autosave.state}`} data-testid="save-state" data-state={autosave.state}>
        {autosave.state === 'saved' && autosave.savedAt
          ? t('report.saved', { time: formatMoment(autosave.savedAt, locale) })
          : t(`report.save.${autosave.state}`)}
      </p>
      {/* Said aloud only when the text is not safe: every save would be noise. */}
      {autosave.state === 'refused' && (
        <Notice tone="error" testId="save-refused">{reportProblemText(t, autosave.refusal)}</Notice>
      )}
      {autosave.state === 'failed' && <p className="sr-only" role="alert">{t('report.save.failed')}</p>}
      {problem && <Notice tone="error" testId="report-problem">{problem}</Notice>}
      <div className="report-actions">
        <Button onPress={insertMeasurements} data-testid="insert-measurements">{t('report.insertMeasurements')}</Button>
        {canHandOn && kind === 'report' && (
          <Button onPress={() => void handOn()} isDisabled={empty || preliminary.isPending}>{t('report.handOn')}</Button>
        )}
        {kind === 'report' && <Button onPress={() => void leave()} isDisabled={release.isPending}>{t('report.leave')}</Button>}
        <Button className="primary" onPress={() => setSigning(true)} isDisabled={empty || autosave.state === 'refused'}
          data-testid="sign">
          {t(kind === 'addendum' ? 'report.signAddendum' : 'report.sign')}
        </Button>
      </div>
      {signing && (
        <SignDialog orderId={orderId} kind={kind} subject={subject} flush={autosave.flush} onClose={() => setSigning(false)} />
      )}
    </form>
  );
}
