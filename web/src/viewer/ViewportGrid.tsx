// The grid of stack viewports of the layout: each shows its series (dropped on it from the
// series panel), is made active by a click, and takes the commands sent to it. A viewport
// without images says why (loading, not an image, nothing dropped yet).
import type { Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { RenderingEngine } from '@cornerstonejs/core';
import type { AiFinding } from './ai';
import { LAYOUTS } from './layout';
import type { OverlayMode } from './overlays';
import type { Screen } from './screen';
import { stackViewportId } from './selection';
import { SERIES_DRAG_TYPE } from './SeriesPanel';
import type { SliceLink } from './sliceLink';
import { StackViewport, type ViewportCommand } from './StackViewport';
import type { Stacks } from './useStudy';

export function ViewportGrid({ gridRef, engine, screen, images, error, command, overlay, findings, link, cineFps, onSettled,
  onActivate, onDrop, onCloseSegmentation }: {
  gridRef: Ref<HTMLElement>; // full screen
  engine: RenderingEngine | null;
  screen: Screen;
  images: Stacks;
  error: string;
  command: ViewportCommand | null;
  overlay: OverlayMode;
  findings: AiFinding[] | null; // the AI layer, when shown (over the study's own images)
  link: SliceLink;
  cineFps: number | null;
  onSettled: () => void;
  onActivate: (viewport: number) => void;
  onDrop: (viewport: number, series: string) => void;
  onCloseSegmentation: () => void;
}) {
  const { t } = useTranslation();
  const { rows, columns } = LAYOUTS[screen.layout];
  const { stacks, notImages, mirrored, seriesStudy } = images;
  const seg = screen.segmentation;
  return (
    <main className="grid" ref={gridRef} style={{ gridTemplateRows: `repeat(${rows}, 1fr)`, gridTemplateColumns: `repeat(${columns}, 1fr)` }}>
      {error && <div className="page-message error" role="alert">{error}</div>}
      {engine && screen.shown.map((uid, i) => (
        <div key={i} className={`viewport${i === screen.active ? ' active' : ''}`} data-viewport-index={i}
          onMouseDown={() => onActivate(i)}
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            const dropped = e.dataTransfer.getData(SERIES_DRAG_TYPE);
            if (dropped) onDrop(i, dropped);
          }}>
          {uid && stacks[uid]?.length ? (
            <StackViewport key={uid} engine={engine} viewportId={stackViewportId(i)}
              images={stacks[uid]} seriesUid={uid} onProgress={images.onProgress} onSettled={onSettled}
              command={command && command.viewport === i ? command : null} overlay={overlay}
              findings={seriesStudy[uid] ? null : findings} link={link} cineFps={cineFps}
              mirrored={mirrored[uid] ?? false}
              segmentation={seg && seg.viewport === i && seg.imageSeries === uid ? seg : null}
              onCloseSegmentation={onCloseSegmentation} />
          ) : (
            <div className="notice" role={uid && notImages[uid] ? 'note' : undefined}>
              {uid ? notImages[uid] ?? t('app.loading') : t('viewer.dropHere')}
            </div>
          )}
        </div>
      ))}
    </main>
  );
}
