// The appointment slip (/appointments/{id}/slip), printed for the patient: when and where in the
// clinic's time, the exams, how to prepare for each (the catalogue's preparation), and the
// reference with its QR code for the desk on the day. The page prints without the staff's bar.
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import QRCode from 'qrcode';
import { formatLocale } from '../i18n';
import { formatCalendarDate } from '../i18n/format';
import { StaffPage } from '../ui/StaffPage';
import { Notice } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { useProcedures, useRooms } from './catalogue';
import { useAppointment, useClinic } from './schedule';
import { dayOf, formatDay, formatTime } from './clinicTime';

export function AppointmentSlip() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const navigate = useNavigate();
  const id = Number(useParams().id) || 0;
  const appointment = useAppointment(id);
  const clinic = useClinic();
  const procedures = useProcedures(true);
  const rooms = useRooms(true);
  const a = appointment.data;
  const qr = useQrCode(a?.accessionNumber ?? '');
  const failed = appointment.error ?? clinic.error;
  if (failed) return <StaffPage title={t('schedule.slip.title')}><Notice tone="error">{errorText(t, failed)}</Notice></StaffPage>;
  if (!a || !clinic.data) return <StaffPage title={t('schedule.slip.title')}><p className="hint">{t('app.loading')}</p></StaffPage>;
  const zone = clinic.data.timeZone;
  const exams = a.procedureIds.map((pid) => procedures.data?.find((p) => p.id === pid));
  return (
    <StaffPage title={t('schedule.slip.title')} className="slip-page"
      actions={(
        <div className="form-actions no-print">
          <Button className="primary" onPress={() => window.print()}>{t('schedule.slip.print')}</Button>
          <Button onPress={() => void navigate(-1)}>{t('schedule.slip.back')}</Button>
        </div>
      )}>
      <article className="slip" data-testid="slip">
        <header>
          <h2>{t('schedule.slip.heading')}</h2>
          {qr && <img src={qr} alt={t('schedule.slip.qr', { accession: a.accessionNumber })} width={120} height={120} />}
        </header>
        <dl className="fields">
          <dt>{t('schedule.slip.patient')}</dt>
          <dd>{a.patient.name} · {formatCalendarDate(a.patient.birthDate, locale)} · <code>{a.patient.mrn}</code></dd>
          <dt>{t('schedule.slip.when')}</dt>
          <dd className="slip-when" data-testid="slip-when">{formatDay(dayOf(a.startsAt, zone), locale)}, {formatTime(a.startsAt, zone, locale)}</dd>
          <dt>{t('schedule.slip.where')}</dt>
          <dd>{rooms.data?.find((r) => r.id === a.roomId)?.name ?? ''}</dd>
          <dt>{t('schedule.slip.reference')}</dt>
          <dd><code>{a.accessionNumber}</code></dd>
        </dl>
        {exams.map((p, i) => (
          <section key={a.procedureIds[i]} className="slip-exam">
            <h3>{t('schedule.slip.exams')}: {p?.name ?? ''}</h3>
            <h4>{t('schedule.slip.preparation')}</h4>
            <p className="multiline" data-testid="slip-preparation">{p?.preparation || t('schedule.slip.noPreparation')}</p>
          </section>
        ))}
        <p>{t('schedule.slip.arrive')}</p>
        <p>{t('schedule.slip.cantCome')}</p>
      </article>
    </StaffPage>
  );
}

function useQrCode(text: string): string {
  const [src, setSrc] = useState('');
  useEffect(() => {
    let gone = false;
    if (text) QRCode.toDataURL(text, { margin: 1, width: 240, errorCorrectionLevel: 'M' }).then((url) => !gone && setSrc(url), () => undefined);
    return () => { gone = true; };
  }, [text]);
  return src;
}
