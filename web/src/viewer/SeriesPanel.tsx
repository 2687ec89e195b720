// The series panel: the study's series (a thumbnail once the first image is drawn, what each
// is, how much of it has loaded), then the patient's other studies to compare with, each with
// its series once compared. A series is dragged onto a viewport, or opened (double-click,
// Enter) in the active one; a report, document or segmentation opens with a click.
import { useTranslation } from 'react-i18next';
import type { DicomJson } from '../api';
import { Tag, formatDate, text, values } from '../dicom';
import { DICOMWEB_ROOT as ROOT, type SeriesInfo, seriesKind } from '../studyData';
import { kindName, seriesLabel } from './documents';
import type { StackImage } from './series';

export const SERIES_DRAG_TYPE = 'application/x-vireo-series';

export function SeriesPanel({ study, series, isActive, isPriorActive, stacks, progress, thumbnails, onOpen, priors, priorSeries, onCompare, onOpenPrior }: {
  study: string;
  series: SeriesInfo[] | null;
  isActive: (uid: string) => boolean; // one of the study's series, on screen
  isPriorActive: (uid: string) => boolean; // a prior's series, on screen
  stacks: Record<string, StackImage[]>;
  progress: Record<string, number>;
  thumbnails: boolean; // asked for only once the first image is drawn
  onOpen: (s: SeriesInfo) => void;
  priors: DicomJson[];
  priorSeries: Record<string, SeriesInfo[]>;
  onCompare: (prior: string) => void;
  onOpenPrior: (series: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <aside className="series-panel" aria-label={t('viewer.series')}>
      {series?.map((s) => (
        <SeriesCard key={s.uid} study={study} info={s} active={isActive(s.uid)}
          stack={stacks[s.uid]} loaded={progress[s.uid] ?? 0} thumbnail={thumbnails} onOpen={() => onOpen(s)} />
      ))}
      {priors.length > 0 && <h3 className="priors-title">{t('viewer.priors')}</h3>}
      {priors.map((p) => {
        const uid = text(p, Tag.StudyInstanceUID);
        return (
          <div key={uid} className="prior" data-prior={uid}>
            <div>{formatDate(text(p, Tag.StudyDate))} · {values(p, Tag.ModalitiesInStudy).join(', ')}</div>
            <div className="hint">{text(p, Tag.StudyDescription)}</div>
            <button type="button" onClick={() => onCompare(uid)}>{t('viewer.compare')}</button>
            {priorSeries[uid]?.map((s) => (
              <SeriesCard key={s.uid} study={uid} info={s} active={isPriorActive(s.uid)} stack={stacks[s.uid]}
                loaded={progress[s.uid] ?? 0} thumbnail onOpen={() => onOpenPrior(s.uid)} />
            ))}
          </div>
        );
      })}
    </aside>
  );
}

function SeriesCard({ study, info, active, stack, loaded, thumbnail, onOpen }: {
  study: string;
  info: SeriesInfo;
  active: boolean;
  stack: StackImage[] | undefined;
  loaded: number;
  thumbnail: boolean;
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  const kind = seriesKind(info.modality);
  const images = kind === 'images';
  return (
    <div className={`series-card${active ? ' active' : ''}`} draggable={images} data-series={info.uid} data-kind={kind}
      onDragStart={(e) => e.dataTransfer.setData(SERIES_DRAG_TYPE, info.uid)}
      onDoubleClick={onOpen} onClick={images ? undefined : onOpen}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), onOpen())}
      tabIndex={0} role="button">
      {/* Named by its visible lines (kind, number, description); the placeholder repeats the kind. */}
      {!images ? <div className="thumbnail-placeholder kind" aria-hidden="true">{kindName(kind)}</div> : thumbnail ? (
        <img alt="" loading="lazy" onError={(e) => { e.currentTarget.style.visibility = 'hidden'; }}
          src={`${ROOT}/studies/${study}/series/${info.uid}/thumbnail?viewport=128,128`} />
      ) : <div className="thumbnail-placeholder" />}
      <div>{seriesLabel(kind, info.modality, info.number, info.count)}</div>
      <div className="hint">{info.description}</div>
      {stack?.length ? (
        <div className="progress" title={t('viewer.loaded')} data-loaded={loaded} data-total={stack.length}>
          <div style={{ width: `${Math.round((100 * loaded) / stack.length)}%` }} />
        </div>
      ) : null}
    </div>
  );
}
