// Turnaround times in words a reading room reads at a glance: minutes under an hour, hours under
// two days, days beyond; in the reader's language.
export function durationText(minutes: number, locale: string): string {
  const unit = (value: number, u: 'minute' | 'hour' | 'day', digits: number) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
  if (minutes < 60) return unit(Math.round(minutes), 'minute', 0);
  if (minutes < 48 * 60) return unit(minutes / 60, 'hour', 1);
  return unit(minutes / (24 * 60), 'day', 1);
}

// Hours, for a chart's axis.
export function hours(minutes: number): number {
  return Math.round((minutes / 60) * 10) / 10;
}
