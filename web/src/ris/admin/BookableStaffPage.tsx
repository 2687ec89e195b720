// Administration: the staff exams can be booked with, a radiologist present (ultrasound,
// biopsy) or a contrast-trained technician. The calendar offers an exam that needs one only
// when one of them is free. And how acquired exams find the radiologist who reads them.
import { useEffect, useState } from 'react';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { AdminPage } from '../../admin/AdminNav';
import { can, useAppNavigate, useSession } from '../../session';
import { CheckboxField, CheckboxGroupField, ChoiceField, Notice } from '../../ui/fields';
import { FormCheckbox, FormText } from '../../ui/formFields';
import { FormDialog } from '../../ui/FormDialog';
import { errorText } from '../../ui/errorText';
import { saveFailed } from '../../ui/saveFailed';
import { formatLocale } from '../../i18n';
import { MODALITIES, useRooms, useSaveStaff, useStaff } from '../catalogue';
import { EMPTY_STAFF, type StaffFormValues, sitesOf, staffFieldsOf, staffSchema, staffValuesOf } from '../catalogueForms';
import { useRisSettings, useSaveRisSettings } from '../exams';
import type { ReadingAssignment as Rule, StaffMember } from '../types';
import { useCatalogueRuleText } from './catalogueText';

export function BookableStaffPage() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  const navigate = useAppNavigate();
  const [retired, setRetired] = useState(false);
  const [editing, setEditing] = useState<StaffMember | 'new' | null>(null);
  const staff = useStaff(retired);
  return (
    <AdminPage session={session} navigate={navigate} onSignOut={signOut} current="/admin/staff" title={t('catalogue.staff.title')}
      titleAction={<Button className="primary" onPress={() => setEditing('new')}>{t('catalogue.staff.add')}</Button>}>
      <p className="hint">{t('catalogue.staff.intro')}</p>
      <div className="filters">
        <CheckboxField name="retired" label={t('catalogue.showRetired')} value={retired} onChange={setRetired} />
      </div>
      {staff.isError && <Notice tone="error">{errorText(t, staff.error)}</Notice>}
      {staff.isSuccess && staff.data.length === 0 && <Notice tone="warning">{t('catalogue.staff.none')}</Notice>}
      {staff.isSuccess && staff.data.length > 0 && (
        <table className="studies catalogue-table" data-testid="staff">
          <caption className="sr-only">{t('catalogue.staff.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('catalogue.staff.columns.name')}</th>
              <th scope="col">{t('catalogue.staff.columns.username')}</th>
              <th scope="col">{t('catalogue.staff.columns.bookedAs')}</th>
              <th scope="col">{t('catalogue.staff.columns.state')}</th>
              <th scope="col"><span className="sr-only">{t('catalogue.edit')}</span></th>
            </tr>
          </thead>
          <tbody>
            {staff.data.map((m) => (
              <tr key={m.id} data-username={m.username} className={m.active ? '' : 'retired'}>
                <td>{m.displayName}</td>
                <td><code>{m.username}</code></td>
                <td>
                  {m.radiologist && <span className="badge">{t('catalogue.staff.radiologist')}</span>}{' '}
                  {m.contrastTechnician && <span className="badge">{t('catalogue.staff.contrastTechnician')}</span>}
                  {m.radiologist && (m.readsModalities ?? []).length > 0 && (
                    <span className="muted" data-testid="reads"> {t('catalogue.staff.reads', { modalities: (m.readsModalities ?? []).join(', ') })}</span>
                  )}
                  {m.radiologist && (m.readsSites ?? []).length > 0 && (
                    <div className="muted" data-testid="reads-sites">{t('catalogue.staff.readsAt', { sites: (m.readsSites ?? []).join(', ') })}</div>
                  )}
                </td>
                <td>{m.active ? t('catalogue.active') : t('catalogue.retired')}</td>
                <td><Button onPress={() => setEditing(m)} aria-label={`${t('catalogue.edit')} ${m.displayName}`}>{t('catalogue.edit')}</Button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can(session, 'ris.settings.admin') && <ReadingAssignment />}
      <FormDialog isOpen={editing !== null} onClose={() => setEditing(null)} testId="staff-dialog"
        title={editing && editing !== 'new' ? t('catalogue.staff.editTitle', { name: editing.displayName }) : t('catalogue.staff.add')}>
        {editing !== null && <StaffForm member={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      </FormDialog>
    </AdminPage>
  );
}

function StaffForm({ member, onDone }: { member: StaffMember | null; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  // (retired rooms too: a site whose rooms are all retired may still be read)
  const sites = sitesOf(useRooms(true).data ?? [], formatLocale(i18n.language));
  const explain = useCatalogueRuleText();
  const save = useSaveStaff();
  const [problem, setProblem] = useState('');
  const form = useForm<StaffFormValues>({
    defaultValues: member ? staffValuesOf(member) : EMPTY_STAFF,
    resolver: zodResolver(staffSchema),
    mode: 'onTouched',
  });
  const { control, formState } = form;
  const radiologist = useWatch({ control, name: 'radiologist' });
  const readsSites = useWatch({ control, name: 'readsSites' });
  const f = (name: keyof StaffFormValues) => t(`catalogue.staff.fields.${name}`);
  // (a missing role is said once for both boxes, below them)
  const bookedOnly: typeof explain = (field, rule) => (rule === 'booked' ? explain(field, rule) : undefined);
  const submit = form.handleSubmit((values) => {
    setProblem('');
    save.mutateAsync({ id: member?.id ?? 0, version: member?.version ?? 0, fields: staffFieldsOf(values) }).then(onDone,
      (e) => saveFailed(form, e, t, setProblem, { staleText: t('catalogue.stale') }));
  });
  return (
    <form className="catalogue-form" noValidate onSubmit={submit}>
      <FormText control={control} name="displayName" label={f('displayName')} explain={explain} isRequired />
      <FormText control={control} name="username" label={f('username')} hint={t('catalogue.staff.hints.username')} explain={explain} isRequired />
      <fieldset className="booked-as">
        <legend>{t('catalogue.staff.columns.bookedAs')}</legend>
        <FormCheckbox control={control} name="radiologist" label={f('radiologist')} explain={bookedOnly} />
        <FormCheckbox control={control} name="contrastTechnician" label={f('contrastTechnician')} explain={bookedOnly} />
        {formState.errors.radiologist?.message === 'required' && <p className="field-error" role="alert">{t('catalogue.staff.needsOne')}</p>}
      </fieldset>
      {radiologist && (
        <Controller control={control} name="readsModalities" render={({ field }) => (
          <CheckboxGroupField name="readsModalities" label={t('catalogue.staff.fields.readsModalities')}
            hint={t('catalogue.staff.hints.readsModalities')} value={field.value} onChange={field.onChange}
            options={MODALITIES.map((m) => ({ value: m, label: m }))} />
        )} />
      )}
      {radiologist && (sites.length > 1 || readsSites.length > 0) && (
        <Controller control={control} name="readsSites" render={({ field }) => (
          <CheckboxGroupField name="readsSites" label={t('catalogue.staff.fields.readsSites')}
            hint={t('catalogue.staff.hints.readsSites')} value={field.value} onChange={field.onChange}
            error={formState.errors.readsSites ? explain('readsSites', formState.errors.readsSites.message ?? '') : undefined}
            options={sites.map((s) => ({ value: s, label: s }))} />
        )} />
      )}
      {member && <FormCheckbox control={control} name="active" label={f('active')} explain={explain} />}
      {problem && <Notice tone="error" testId="catalogue-problem">{problem}</Notice>}
      <div className="form-actions">
        <Button type="submit" className="primary" isDisabled={save.isPending}>{save.isPending ? t('catalogue.saving') : t('catalogue.save')}</Button>
        <Button onPress={onDone}>{t('catalogue.cancel')}</Button>
      </div>
    </form>
  );
}

const RULES: Rule[] = ['manual', 'round_robin', 'least_loaded'];

function ReadingAssignment() {
  const { t } = useTranslation();
  const settings = useRisSettings();
  const save = useSaveRisSettings();
  const [saved, setSaved] = useState(false);
  const [chosen, setChosen] = useState<Rule | null>(null);  // shown at once, while it is saved
  const current = chosen ?? settings.data?.readingAssignment;
  // Once saved and read back, what the server says is shown (another administrator's change too).
  useEffect(() => {
    if (chosen !== null && settings.data?.readingAssignment === chosen) setChosen(null);
  }, [chosen, settings.data?.readingAssignment]);
  return (
    <section className="reading-assignment" aria-labelledby="reading-assignment">
      <h2 id="reading-assignment">{t('exams.assignment.title')}</h2>
      {settings.isError && <Notice tone="error">{errorText(t, settings.error)}</Notice>}
      {current && (
        <ChoiceField name="readingAssignment" label={t('exams.assignment.label')} value={current}
          hint={t(`exams.assignment.hint.${current}`)}
          onChange={(rule) => {
            setSaved(false);
            setChosen(rule);
            save.mutateAsync(rule).then(() => setSaved(true), () => setChosen(null));
          }}
          options={RULES.map((r) => ({ value: r, label: t(`exams.assignment.rule.${r}`) }))} />
      )}
      {save.isError && <Notice tone="error">{errorText(t, save.error)}</Notice>}
      {saved && <Notice tone="ok" testId="assignment-saved">{t('exams.assignment.saved')}</Notice>}
    </section>
  );
}
