// Administration: the procedure catalogue. Each exam the clinic performs, how long it takes,
// what it needs and what the patient must do before; retired ones stay for the orders made.
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { AdminPage } from '../../admin/AdminNav';
import { useAppNavigate, useSession } from '../../session';
import { CheckboxField, Notice, SelectField } from '../../ui/fields';
import { FormCheckbox, FormNumber, FormSelect, FormText } from '../../ui/formFields';
import { FormDialog } from '../../ui/FormDialog';
import { errorText } from '../../ui/errorText';
import { saveFailed } from '../../ui/saveFailed';
import { formatLocale } from '../../i18n';
import { MODALITIES, useProcedures, useSaveProcedure } from '../catalogue';
import {
  EMPTY_PROCEDURE, type ProcedureFormValues, procedureFieldsOf, procedureSchema, procedureValuesOf,
} from '../catalogueForms';
import type { Procedure } from '../types';
import { useCatalogueRuleText } from './catalogueText';

export function ProceduresPage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session, signOut } = useSession();
  const navigate = useAppNavigate();
  const [retired, setRetired] = useState(false);
  const [modality, setModality] = useState('');
  const [editing, setEditing] = useState<Procedure | 'new' | null>(null);
  const procedures = useProcedures(retired);
  const rows = (procedures.data ?? []).filter((p) => !modality || p.modality === modality);
  const price = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return (
    <AdminPage session={session} navigate={navigate} onSignOut={signOut} current="/admin/procedures"
      title={t('catalogue.procedures.title')}
      titleAction={<Button className="primary" onPress={() => setEditing('new')}>{t('catalogue.procedures.add')}</Button>}>
      <div className="filters">
        <SelectField name="modality-filter" label={t('catalogue.procedures.columns.modality')} value={modality || 'all'}
          onChange={(v) => setModality(v === 'all' ? '' : v)}
          options={[{ value: 'all', label: t('catalogue.allModalities') },
            ...MODALITIES.map((m) => ({ value: m, label: `${m} · ${t(`modalities.${m}`)}` }))]} />
        <CheckboxField name="retired" label={t('catalogue.showRetired')} value={retired} onChange={setRetired} />
      </div>
      {procedures.isError && <Notice tone="error">{errorText(t, procedures.error)}</Notice>}
      {procedures.isSuccess && rows.length === 0 && <p className="hint">{t('catalogue.procedures.none')}</p>}
      {rows.length > 0 && (
        <table className="studies catalogue-table" data-testid="procedures">
          <caption className="sr-only">{t('catalogue.procedures.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('catalogue.procedures.columns.code')}</th>
              <th scope="col">{t('catalogue.procedures.columns.name')}</th>
              <th scope="col">{t('catalogue.procedures.columns.modality')}</th>
              <th scope="col" className="number">{t('catalogue.procedures.columns.duration')}</th>
              <th scope="col" className="number">{t('catalogue.procedures.columns.price')}</th>
              <th scope="col">{t('catalogue.procedures.columns.needs')}</th>
              <th scope="col">{t('catalogue.procedures.columns.dailyLimit')}</th>
              <th scope="col">{t('catalogue.procedures.columns.state')}</th>
              <th scope="col"><span className="sr-only">{t('catalogue.edit')}</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.id} data-code={p.code} className={p.active ? '' : 'retired'}>
                <td><code>{p.code}</code></td>
                <td>{p.name}</td>
                <td>{p.modality}</td>
                <td className="number">{t('catalogue.procedures.minutes', { count: p.durationMinutes })}</td>
                <td className="number">{price.format(p.priceCents / 100)}</td>
                <td>
                  {p.needsRadiologist && <span className="badge">{t('catalogue.procedures.needsRadiologist')}</span>}{' '}
                  {p.needsContrastTechnician && <span className="badge">{t('catalogue.procedures.needsContrastTechnician')}</span>}
                </td>
                <td>{p.dailyLimit ? t('catalogue.procedures.perDay', { count: p.dailyLimit }) : t('catalogue.procedures.noLimit')}</td>
                <td>{p.active ? t('catalogue.active') : t('catalogue.retired')}</td>
                <td><Button onPress={() => setEditing(p)} aria-label={`${t('catalogue.edit')} ${p.code}`}>{t('catalogue.edit')}</Button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <FormDialog isOpen={editing !== null} onClose={() => setEditing(null)} testId="procedure-dialog"
        title={editing && editing !== 'new' ? t('catalogue.procedures.editTitle', { name: editing.name }) : t('catalogue.procedures.add')}>
        {editing !== null && <ProcedureForm procedure={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      </FormDialog>
    </AdminPage>
  );
}

function ProcedureForm({ procedure, onDone }: { procedure: Procedure | null; onDone: () => void }) {
  const { t } = useTranslation();
  const explain = useCatalogueRuleText();
  const save = useSaveProcedure();
  const [problem, setProblem] = useState('');
  const form = useForm<ProcedureFormValues>({
    defaultValues: procedure ? procedureValuesOf(procedure) : EMPTY_PROCEDURE,
    resolver: zodResolver(procedureSchema),
    mode: 'onTouched',
  });
  const { control } = form;
  const f = (name: keyof ProcedureFormValues) => t(`catalogue.procedures.fields.${name === 'price' ? 'priceCents' : name}`);
  const hint = (name: 'code' | 'name' | 'bodyPart' | 'durationMinutes' | 'consentTypes' | 'preparation') =>
    t(`catalogue.procedures.hints.${name}`);
  const submit = form.handleSubmit((values) => {
    setProblem('');
    save.mutateAsync({ id: procedure?.id ?? 0, version: procedure?.version ?? 0, fields: procedureFieldsOf(values) }).then(onDone,
      (e) => saveFailed(form, e, t, setProblem, { staleText: t('catalogue.stale'), fieldOf: (f) => (f === 'priceCents' ? 'price' : f) }));
  });
  return (
    <form className="catalogue-form" noValidate onSubmit={submit}>
      <div className="row">
        <FormText control={control} name="code" label={f('code')} hint={hint('code')} explain={explain} isRequired />
        <FormSelect control={control} name="modality" label={f('modality')} explain={explain} isRequired
          options={MODALITIES.map((m) => ({ value: m, label: `${m} · ${t(`modalities.${m}`)}` }))} />
      </div>
      <FormText control={control} name="name" label={f('name')} hint={hint('name')} explain={explain} isRequired />
      <div className="row">
        <FormText control={control} name="bodyPart" label={f('bodyPart')} hint={hint('bodyPart')} explain={explain} />
        <FormNumber control={control} name="durationMinutes" label={f('durationMinutes')} hint={hint('durationMinutes')}
          explain={explain} minValue={5} maxValue={480} step={5} isRequired />
      </div>
      <div className="row">
        <FormNumber control={control} name="price" label={f('price')} explain={explain} minValue={0} fractionDigits={2} />
        <FormNumber control={control} name="dailyLimit" label={f('dailyLimit')} explain={explain} minValue={0} maxValue={1000} />
      </div>
      <FormCheckbox control={control} name="needsRadiologist" label={f('needsRadiologist')} />
      <FormCheckbox control={control} name="needsContrastTechnician" label={f('needsContrastTechnician')} />
      <FormText control={control} name="consentTypes" label={f('consentTypes')} hint={hint('consentTypes')} explain={explain} />
      <FormText control={control} name="reportTemplate" label={f('reportTemplate')} explain={explain} />
      <FormText control={control} name="preparation" label={f('preparation')} hint={hint('preparation')} explain={explain} multiline />
      {procedure && <FormCheckbox control={control} name="active" label={f('active')} />}
      {problem && <Notice tone="error" testId="catalogue-problem">{problem}</Notice>}
      <div className="form-actions">
        <Button type="submit" className="primary" isDisabled={save.isPending}>{save.isPending ? t('catalogue.saving') : t('catalogue.save')}</Button>
        <Button onPress={onDone}>{t('catalogue.cancel')}</Button>
      </div>
    </form>
  );
}
