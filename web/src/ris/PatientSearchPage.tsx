// Reception's patient search: a name fragment, an MRN, a phone number or a national ID, with or
// without a birth date, as one types. The search is in the address, so Back returns to it.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { StaffPage } from '../ui/StaffPage';
import { DateInputField, Notice, TextInput } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { formatCalendarDate } from '../i18n/format';
import { formatLocale } from '../i18n';
import { can, useAppNavigate, useSession } from '../session';
import { PAGE, usePatientSearch } from './patients';
import { displayName } from './patientForm';
import { ContrastAllergyBadge, MergedBadge } from './PatientBadges';

const TYPING_PAUSE_MS = 250;

export function PatientSearchPage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const navigate = useAppNavigate();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const born = params.get('born') ?? '';
  const [text, setText] = useState(q);
  const [limit, setLimit] = useState(PAGE);
  const search = usePatientSearch(q, born, limit);
  const bornNow = useRef(born);
  bornNow.current = born;

  const apply = (nextText: string, nextBorn: string) => {
    const p = new URLSearchParams();
    if (nextText.trim()) p.set('q', nextText.trim());
    if (nextBorn) p.set('born', nextBorn);
    setLimit(PAGE);
    setParams(p, { replace: true });
  };

  // Results follow the typing after a short pause, with the birth date as it is then.
  useEffect(() => {
    if (text.trim() === q) return;
    const timer = setTimeout(() => apply(text, bornNow.current), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  // The address changed otherwise (the Patients link, Back): the box says what is searched.
  useEffect(() => {
    setText((typed) => (typed.trim() === q ? typed : q));
  }, [q]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(text, born);
  };

  const rows = search.data?.patients ?? [];
  const asked = q !== '' || born !== '';
  // Rows of the previous search, shown while this one loads, cannot be opened by mistake.
  const outdated = search.isPlaceholderData || search.isFetching || text.trim() !== q;
  return (
    <StaffPage title={t('patients.title')} className="patients"
      actions={can(session, 'ris.patients.write') && (
        <Link className="button primary" to="/patients/new" state={{ query: q }}>{t('patients.register')}</Link>
      )}>
      <form role="search" className="search-bar" onSubmit={submit}>
        <TextInput name="q" type="search" label={t('patients.search.label')} value={text} onChange={setText}
          hint={t('patients.search.hint')} autoComplete="off" className="grow" maxLength={200} />
        <DateInputField name="born" label={t('patients.search.birthDate')} value={born}
          // A year is typed a digit at a time: 0001, 0019, 0197 are not searched.
          onChange={(v) => v !== born && (v === '' || v >= '1880') && apply(text, v)} />
        <div className="search-actions">
          <Button type="submit">{t('patients.search.submit')}</Button>
          {asked && <Button type="button" onPress={() => { setText(''); apply('', ''); }}>{t('patients.search.clear')}</Button>}
        </div>
      </form>

      {!asked && <p className="hint">{t('patients.search.prompt')}</p>}
      {search.isError && <Notice tone="error">{errorText(t, search.error)}</Notice>}
      {asked && search.isSuccess && !outdated && rows.length === 0 && <Notice testId="no-patients">{t('patients.search.none')}</Notice>}
      {asked && rows.length > 0 && (
        <>
          <p className="hint" aria-live="polite" data-testid="result-count">
            {outdated ? t('patients.search.searching') : t('patients.search.results', { count: rows.length })}
          </p>
          <table className={`studies patients-table${outdated ? ' outdated' : ''}`} aria-busy={outdated}>
            <caption className="sr-only">{t('patients.search.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('patients.columns.name')}</th>
                <th scope="col">{t('patients.columns.mrn')}</th>
                <th scope="col" className="date">{t('patients.columns.birthDate')}</th>
                <th scope="col">{t('patients.columns.sex')}</th>
                <th scope="col">{t('patients.columns.phone')}</th>
                <th scope="col">{t('patients.columns.alerts')}</th>
              </tr>
            </thead>
            <tbody inert={outdated}>
              {rows.map((p) => (
                <tr key={p.id} data-patient={p.mrn} onClick={() => navigate(`/patients/${p.id}`)}>
                  <td><Link to={`/patients/${p.id}`} onClick={(e) => e.stopPropagation()}>{displayName(p)}</Link></td>
                  <td>{p.mrn}</td>
                  <td className="date">{formatCalendarDate(p.birthDate, locale)}</td>
                  <td>{t(`patients.sex.${p.sex}`)}</td>
                  <td>{p.phone}</td>
                  <td><ContrastAllergyBadge patient={p} /> <MergedBadge patient={p} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {search.data?.more && (
            <div className="pager">
              <Button onPress={() => setLimit((l) => Math.min(l + PAGE, 499))} isDisabled={search.isFetching}>
                {t('patients.search.more')}
              </Button>
            </div>
          )}
        </>
      )}
    </StaffPage>
  );
}
