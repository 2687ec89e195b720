// Report turnaround, for whoever runs the reading room: over the reports signed in a period, how
// long exams took from order to images, images to signature and signature to release, by
// modality, radiologist and priority (a chart of each, and the same numbers as a table); and what
// waits for a report now. Times are medians and 90th percentiles.
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { jsonApi, unwrap } from '../apiClient';
import { formatLocale } from '../i18n';
import { formatMoment } from '../i18n/format';
import { StaffPage } from '../ui/StaffPage';
import { Notice, SelectField } from '../ui/fields';
import { errorText } from '../ui/errorText';
import type { components } from '../types/api.gen';
import { durationText, hours } from './turnaroundFormat';

type Group = components['schemas']['TurnaroundGroup'];
const PERIODS = ['7', '30', '90', '365'] as const;
type Period = (typeof PERIODS)[number];

function useTurnaround(days: number) {
  return useQuery({
    queryKey: ['reporting', 'turnaround', days],
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/reporting/turnaround', { params: { query: { days } }, signal })),
  });
}

export function TurnaroundPage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const [params, setParams] = useSearchParams();
  const period: Period = PERIODS.find((p) => p === params.get('days')) ?? '30';
  const data = useTurnaround(Number(period));
  const d = data.data;
  const priorityName = (key: string) => t(`orders.priority.${key}` as 'orders.priority.stat', { defaultValue: key });
  const waiting = (d?.pending ?? []).reduce((n, p) => n + p.count, 0);
  return (
    <StaffPage title={t('turnaround.title')} className="turnaround">
      <div className="filters">
        <SelectField name="days" label={t('turnaround.period')} value={period}
          onChange={(v) => setParams(v === '30' ? {} : { days: v }, { replace: true })}
          options={PERIODS.map((p) => ({ value: p, label: t('turnaround.lastDays', { count: Number(p) }) }))} />
      </div>
      {data.isPending && <p className="hint" role="status">{t('turnaround.loading')}</p>}
      {data.isError && <Notice tone="error">{errorText(t, data.error)}</Notice>}
      {d && (
        <>
          <dl className="turnaround-summary" data-testid="turnaround-summary">
            <div><dt>{t('turnaround.reports')}</dt><dd data-testid="reports">{d.overall.reports}</dd></div>
            <div><dt>{t('turnaround.toSigned')}</dt>
              <dd data-testid="median-to-signed">{d.overall.acquiredToSigned.count > 0 ? durationText(d.overall.acquiredToSigned.medianMinutes, locale) : '—'}</dd></div>
            <div><dt>{t('turnaround.toSignedP90')}</dt>
              <dd>{d.overall.acquiredToSigned.count > 0 ? durationText(d.overall.acquiredToSigned.p90Minutes, locale) : '—'}</dd></div>
            <div><dt>{t('turnaround.total')}</dt>
              <dd>{d.overall.orderToReleased.count > 0 ? durationText(d.overall.orderToReleased.medianMinutes, locale) : '—'}</dd></div>
            <div><dt>{t('turnaround.waiting')}</dt><dd data-testid="waiting">{waiting}</dd></div>
            <div><dt>{t('turnaround.held')}</dt><dd data-testid="held">{d.held}</dd></div>
          </dl>
          {d.overall.reports === 0 && <Notice testId="no-reports">{t('turnaround.none')}</Notice>}
          {d.overall.reports > 0 && (
            <>
              <GroupChart id="by-modality" title={t('turnaround.byModality')} groups={d.byModality} name={(k) => k || '—'} />
              <GroupChart id="by-radiologist" title={t('turnaround.byRadiologist')} groups={d.byRadiologist} name={(k) => k || '—'} />
              <GroupChart id="by-priority" title={t('turnaround.byPriority')} groups={d.byPriority} name={priorityName} />
            </>
          )}
          <section aria-labelledby="pending-title">
            <h2 id="pending-title">{t('turnaround.pendingTitle')}</h2>
            {d.pending.length === 0 ? <p className="hint">{t('turnaround.nothingWaiting')}</p> : (
              <table className="studies" data-testid="pending">
                <thead>
                  <tr>
                    <th scope="col">{t('turnaround.modality')}</th>
                    <th scope="col">{t('turnaround.priority')}</th>
                    <th scope="col">{t('turnaround.count')}</th>
                    <th scope="col">{t('turnaround.oldest')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.pending.map((p) => (
                    <tr key={`${p.modality}-${p.priority}`}>
                      <td>{p.modality || '—'}</td>
                      <td>{priorityName(p.priority)}</td>
                      <td>{p.count}</td>
                      <td>{p.oldestAcquiredAt ? formatMoment(p.oldestAcquiredAt, locale) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </StaffPage>
  );
}

// One grouping: images → signature as a chart (median and 90th percentile, in hours), then every
// interval as a table: the chart's numbers for those who do not see it (the chart itself is hidden
// from screen readers and out of the tab order).
function GroupChart({ id, title, groups, name }: { id: string; title: string; groups: Group[]; name: (key: string) => string }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const rows = groups.map((g) => ({
    name: name(g.key),
    median: hours(g.acquiredToSigned.medianMinutes),
    p90: hours(g.acquiredToSigned.p90Minutes),
  }));
  const cell = (s: Group['acquiredToSigned']) => (s.count > 0
    ? `${durationText(s.medianMinutes, locale)} · ${durationText(s.p90Minutes, locale)}` : '—');
  return (
    <section className="turnaround-group" aria-labelledby={`${id}-title`} data-testid={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      <figure aria-labelledby={`${id}-caption`}>
        <figcaption id={`${id}-caption`} className="hint">{t('turnaround.chartCaption')}</figcaption>
        <div className="chart" aria-hidden="true">
          <ResponsiveContainer width="100%" height={Math.max(160, 48 * rows.length + 60)}>
            <BarChart data={rows} layout="vertical" margin={{ left: 24, right: 24 }} accessibilityLayer={false}>
              <CartesianGrid strokeDasharray="3 3" stroke="#3a4652" />
              <XAxis type="number" unit=" h" stroke="#9aa5b1" />
              <YAxis type="category" dataKey="name" width={160} stroke="#9aa5b1" />
              <Tooltip formatter={(v) => `${v} h`} contentStyle={{ background: '#1c2530', border: '1px solid #3a4652' }} />
              <Legend />
              <Bar dataKey="median" name={t('turnaround.median')} fill="#4f9bd9" />
              <Bar dataKey="p90" name={t('turnaround.p90')} fill="#d9a94f" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </figure>
      <table className="studies">
        <caption className="sr-only">{title}</caption>
        <thead>
          <tr>
            <th scope="col">{t('turnaround.group')}</th>
            <th scope="col">{t('turnaround.reports')}</th>
            <th scope="col">{t('turnaround.orderToAcquired')}</th>
            <th scope="col">{t('turnaround.acquiredToSigned')}</th>
            <th scope="col">{t('turnaround.signedToReleased')}</th>
            <th scope="col">{t('turnaround.orderToReleased')}</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.key} data-key={g.key}>
              <th scope="row">{name(g.key)}</th>
              <td>{g.reports}</td>
              <td>{cell(g.orderToAcquired)}</td>
              <td data-testid="acquired-to-signed">{cell(g.acquiredToSigned)}</td>
              <td>{cell(g.signedToReleased)}</td>
              <td>{cell(g.orderToReleased)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
