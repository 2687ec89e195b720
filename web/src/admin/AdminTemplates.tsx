// Administration: the clinic's report templates. Vireo's own library as the clinic keeps it, its
// own templates, and those imported from IHE MRRT files (RSNA's RadReport library); each edited
// in a form, exported as an MRRT file, retired, or (a copy of Vireo's) restored.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, FileTrigger } from 'react-aria-components';
import { ApiProblem } from '../apiClient';
import { useAppNavigate, useSession } from '../session';
import { CheckboxField, CheckboxGroupField, Notice, TextInput } from '../ui/fields';
import { FormDialog } from '../ui/FormDialog';
import { errorText } from '../ui/errorText';
import { MODALITIES } from '../ris/catalogue';
import { downloadMrrt, useAdminTemplates, useImportTemplate, useRestoreTemplate } from '../reporting/templatesAdmin';
import { TemplateForm } from '../reporting/TemplateForm';
import type { ReportTemplate } from '../reporting/types';
import { AdminPage } from './AdminNav';

export function AdminTemplates() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  const navigate = useAppNavigate();
  const templates = useAdminTemplates();
  const [retired, setRetired] = useState(false);
  const [editing, setEditing] = useState<ReportTemplate | 'new' | null>(null);
  const [importing, setImporting] = useState(false);
  const [restoring, setRestoring] = useState<ReportTemplate | null>(null);
  const [problem, setProblem] = useState('');
  const rows = (templates.data ?? []).filter((x) => retired || x.status !== 'RETIRED');
  const origin = (x: ReportTemplate) =>
    x.source === 'vireo' ? t('templates.origin.vireo') : x.vireoOriginal ? t('templates.origin.changed') : t('templates.origin.clinic');
  const exportFile = (code: string) => {
    setProblem('');
    downloadMrrt(code).catch((e: unknown) => setProblem(errorText(t, e)));
  };
  return (
    <AdminPage session={session} navigate={navigate} onSignOut={signOut} current="/admin/templates" title={t('templates.title')}
      titleAction={(
        <div className="title-actions">
          <Button onPress={() => setImporting(true)} data-testid="import-mrrt">{t('templates.import.open')}</Button>
          <Button className="primary" onPress={() => setEditing('new')}>{t('templates.add')}</Button>
        </div>
      )}>
      <p className="hint">{t('templates.intro')}</p>
      <div className="filters">
        <CheckboxField name="retired" label={t('templates.showRetired')} value={retired} onChange={setRetired} />
      </div>
      {templates.isError && <Notice tone="error">{errorText(t, templates.error)}</Notice>}
      {problem && <Notice tone="error">{problem}</Notice>}
      {rows.length > 0 && (
        <table className="studies catalogue-table" data-testid="templates">
          <caption className="sr-only">{t('templates.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('templates.columns.name')}</th>
              <th scope="col">{t('templates.columns.code')}</th>
              <th scope="col">{t('templates.columns.modalities')}</th>
              <th scope="col">{t('templates.columns.language')}</th>
              <th scope="col">{t('templates.columns.origin')}</th>
              <th scope="col">{t('templates.columns.state')}</th>
              <th scope="col"><span className="sr-only">{t('templates.columns.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((x) => (
              <tr key={x.code} data-code={x.code} className={x.status === 'RETIRED' ? 'retired' : ''}>
                <td>
                  {x.name}
                  {!x.topLevel && <> <span className="badge">{t('templates.component')}</span></>}
                </td>
                <td><code>{x.code}</code></td>
                <td>{x.modalities.join(', ')}</td>
                <td>{t(`templates.languages.${x.language}`, { defaultValue: x.language })}</td>
                <td>{origin(x)}</td>
                <td>{t(`templates.status.${x.status}`)}</td>
                <td className="row-actions">
                  <Button onPress={() => setEditing(x)} aria-label={t('templates.editNamed', { name: x.name })}>{t('templates.edit')}</Button>
                  <Button onPress={() => exportFile(x.code)} aria-label={t('templates.exportNamed', { name: x.name })}>
                    {t('templates.export')}
                  </Button>
                  {x.source === 'clinic' && x.vireoOriginal && (
                    <Button onPress={() => setRestoring(x)} aria-label={t('templates.restoreNamed', { name: x.name })}>
                      {t('templates.restore')}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <FormDialog isOpen={editing !== null} onClose={() => setEditing(null)} testId="template-dialog"
        title={editing && editing !== 'new' ? t('templates.editTitle', { name: editing.name }) : t('templates.add')}>
        {editing !== null && (
          <TemplateForm template={editing === 'new' ? null : editing} onDone={() => setEditing(null)}
            components={(templates.data ?? []).filter((x) => !x.topLevel)} />
        )}
      </FormDialog>
      <FormDialog isOpen={importing} onClose={() => setImporting(false)} title={t('templates.import.title')} testId="import-dialog">
        {importing && <ImportForm onDone={() => setImporting(false)} />}
      </FormDialog>
      <FormDialog isOpen={restoring !== null} onClose={() => setRestoring(null)} title={t('templates.restoreTitle')}>
        {restoring && <RestoreForm template={restoring} onDone={() => setRestoring(null)} />}
      </FormDialog>
    </AdminPage>
  );
}

function ImportForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const upload = useImportTemplate();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [code, setCode] = useState('');
  const [modalities, setModalities] = useState<string[]>([]);
  const [problem, setProblem] = useState('');
  const send = () => {
    if (!file) return setProblem(t('templates.import.noFile'));
    setProblem('');
    upload.mutateAsync({ file: file.text, code: code.trim(), modalities }).then(onDone, (e: unknown) => {
      const refusal = e instanceof ApiProblem && e.status === 400 ? e.problem.errors?.find((x) => x.field === 'file') : undefined;
      if (refusal) setProblem(t('templates.import.refused', { reason: refusal.message }));
      else if (e instanceof ApiProblem && e.status === 409) setProblem(t('templates.import.exists'));
      else if (e instanceof ApiProblem && e.status === 400 && e.problem.errors?.length) {
        setProblem(t('templates.import.invalid', { reason: e.problem.errors.map((x) => x.message).join('; ') }));
      } else setProblem(errorText(t, e));
    });
  };
  return (
    <form className="catalogue-form" noValidate onSubmit={(e) => { e.preventDefault(); send(); }}>
      <p className="hint">{t('templates.import.hint')}</p>
      <div className="file-choice">
        <FileTrigger acceptedFileTypes={['text/html', '.html', '.htm']} onSelect={(files) => {
          const chosen = files?.[0];
          if (chosen) void chosen.text().then((text) => setFile({ name: chosen.name, text }));
        }}>
          <Button data-testid="choose-mrrt">{t('templates.import.choose')}</Button>
        </FileTrigger>
        <span aria-live="polite">{file ? file.name : t('templates.import.none')}</span>
      </div>
      <TextInput name="import-code" label={t('templates.import.code')} hint={t('templates.import.codeHint')} value={code}
        onChange={(v) => setCode(v.toUpperCase())} />
      <CheckboxGroupField name="import-modalities" label={t('templates.fields.modalities')} hint={t('templates.import.modalitiesHint')}
        value={modalities} onChange={setModalities} options={MODALITIES.map((m) => ({ value: m, label: m }))} />
      {problem && <Notice tone="error" testId="import-problem">{problem}</Notice>}
      <div className="form-actions">
        <Button type="submit" className="primary" isDisabled={upload.isPending}>{t('templates.import.send')}</Button>
        <Button onPress={onDone}>{t('templates.cancel')}</Button>
      </div>
    </form>
  );
}

function RestoreForm({ template, onDone }: { template: ReportTemplate; onDone: () => void }) {
  const { t } = useTranslation();
  const restore = useRestoreTemplate();
  const [problem, setProblem] = useState('');
  return (
    <div>
      <p>{t('templates.restoreConfirm', { name: template.name })}</p>
      {problem && <Notice tone="error">{problem}</Notice>}
      <div className="form-actions">
        <Button className="primary" isDisabled={restore.isPending} onPress={() => {
          restore.mutateAsync({ code: template.code, revision: template.revision }).then(onDone,
            (e: unknown) => setProblem(e instanceof ApiProblem && e.status === 409 ? t('templates.stale') : errorText(t, e)));
        }}>{t('templates.restore')}</Button>
        <Button onPress={onDone}>{t('templates.cancel')}</Button>
      </div>
    </div>
  );
}
