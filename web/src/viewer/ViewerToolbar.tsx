// The viewer's toolbars: the staff's (tools, display commands, cine, SR export, MPR, linking,
// AI, overlay, layouts) and a patient's (move, zoom, presets, reset, full screen). They only
// show state and send what the reader asks for.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { LayoutName } from './layout';
import { CINE_RATES } from './cine';
import { type OverlayMode, OVERLAY_MODES } from './overlays';
import { presetsForImage } from './presets';
import type { Screen, ScreenAction } from './screen';
import { type StackImage, volumeEligible } from './series';
import type { AiLayer } from './useAiFindings';
import type { DisplayCommands } from './useDisplay';
import type { SrExport } from './useSaving';
import { PRIMARY_TOOLS, SIMPLE_TOOLS, type Tools } from './useTools';

const LAYOUT_CHOICES: LayoutName[] = ['1x1', '1x2', '2x2'];

export function StaffToolbar({ screen, dispatch, stacks, tools, display, sr, canStore, ai, overlay, onOverlay, onLayout }: {
  screen: Screen;
  dispatch: (a: ScreenAction) => void;
  stacks: Record<string, StackImage[]>;
  tools: Tools;
  display: DisplayCommands;
  sr: SrExport;
  canStore: boolean;
  ai: AiLayer;
  overlay: OverlayMode;
  onOverlay: (mode: OverlayMode) => void;
  onLayout: (layout: LayoutName) => void;
}) {
  const { t } = useTranslation();
  const { mpr, mprTool, shown, active } = screen;
  const { send, cineFps, setCineFps } = display;
  const here = shown[active];
  const presetSeries = mpr ?? here; // the presets of the series the toolbar acts on
  return (
    <div className="toolbar" role="toolbar" aria-label={t('viewer.tools.label')}>
      {mpr ? (
        // In MPR the left button moves the crosshairs or sets the window; measurements are
        // made on the stacks.
        <>
          <button type="button" aria-pressed={mprTool === 'Crosshairs'} onClick={() => dispatch({ type: 'mprTool', tool: 'Crosshairs' })}>
            {t('viewer.tools.crosshairs')}</button>
          <button type="button" aria-pressed={mprTool === 'WindowLevel'} onClick={() => dispatch({ type: 'mprTool', tool: 'WindowLevel' })}>
            {t('viewer.tools.windowLevel')}</button>
        </>
      ) : PRIMARY_TOOLS.map((tool) => (
        <button key={tool.name} type="button" aria-pressed={tools.active === tool.name} onClick={() => tools.choose(tool.name)}>
          {tool.label ? t(`viewer.tools.${tool.label}`) : tool.name}</button>
      ))}
      <PresetMenu onChoose={(i) => send('preset', i)} images={presetSeries ? stacks[presetSeries] : undefined} />
      <button type="button" title={t('viewer.invertHint')} onClick={() => send('invert')}>{t('viewer.invert')}</button>
      <button type="button" disabled={mpr !== null} onClick={() => send('rotate')}>{t('viewer.rotate')}</button>
      <button type="button" disabled={mpr !== null} onClick={() => send('flipH')}>{t('viewer.flipH')}</button>
      <button type="button" disabled={mpr !== null} onClick={() => send('flipV')}>{t('viewer.flipV')}</button>
      <button type="button" title={t('viewer.fitHint')} onClick={() => send('fit')}>{t('viewer.fit')}</button>
      <button type="button" title={t('viewer.resetHint')} onClick={() => send('reset')}>{t('viewer.reset')}</button>
      <button type="button" title={t('viewer.cineHint')} disabled={mpr !== null} onClick={() => send('cine')}>{t('viewer.cine')}</button>
      <select aria-label={t('viewer.cineRate')} title={t('viewer.cineRateHint')} disabled={mpr !== null} value={cineFps ?? ''}
        onChange={(e) => setCineFps(e.target.value === '' ? null : Number(e.target.value))}>
        <option value="">{t('viewer.cineOwnRate')}</option>
        {CINE_RATES.map((r) => <option key={r} value={r}>{t('viewer.cineAt', { rate: r })}</option>)}
      </select>
      {canStore && <button type="button" disabled={sr.state === 'busy'} data-testid="export-sr"
        title={t('viewer.exportSrHint')}
        onClick={() => void sr.run()}>{t('viewer.exportSr')}</button>}
      <button type="button" aria-pressed={mpr !== null} data-testid="mpr-toggle"
        disabled={mpr === null && !(here && volumeEligible(stacks[here] ?? []))}
        title={t('viewer.mprHint')}
        onClick={() => dispatch({ type: 'toggleMpr' })}>{t('viewer.mpr')}</button>
      <button type="button" aria-pressed={screen.linked} data-testid="link-toggle" title={t('viewer.linkHint')}
        onClick={() => dispatch({ type: 'toggleLink' })}>{t('viewer.link')}</button>
      <button type="button" aria-pressed={ai.shown} disabled={ai.findings.length === 0} data-testid="ai-toggle"
        title={ai.error ?? (ai.findings.length === 0 ? t('viewer.ai.none')
          : `${t('viewer.ai.suggestions', { n: ai.findings.length })}${ai.rejected ? t('viewer.ai.unread', { n: ai.rejected }) : ''}`)}
        onClick={ai.toggle}>{t('viewer.ai.button', { n: ai.findings.length })}</button>
      <select aria-label={t('viewer.overlay.label')} value={overlay} onChange={(e) => onOverlay(e.target.value as OverlayMode)}>
        {OVERLAY_MODES.map((mode) => <option key={mode} value={mode}>{t(`viewer.overlay.${mode}`)}</option>)}
      </select>
      {LAYOUT_CHOICES.map((l) => (
        <button key={l} type="button" aria-pressed={screen.layout === l} onClick={() => onLayout(l)}>{l}</button>
      ))}
    </div>
  );
}

export function SimpleToolbar({ images, tools, send, onFullScreen }: {
  images: StackImage[] | undefined; // the active viewport's
  tools: Tools;
  send: DisplayCommands['send'];
  onFullScreen: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="toolbar" role="toolbar" aria-label={t('viewer.tools.label')}>
      {SIMPLE_TOOLS.map((tool) => (
        <button key={tool.name} type="button" aria-pressed={tools.active === tool.name} onClick={() => tools.choose(tool.name)}>
          {t(`viewer.tools.${tool.label}`)}</button>
      ))}
      <PresetMenu onChoose={(i) => send('preset', i)} images={images} />
      <button type="button" onClick={() => send('reset')}>{t('viewer.resetView')}</button>
      <button type="button" data-testid="full-screen" onClick={onFullScreen}>{t('viewer.fullScreen')}</button>
    </div>
  );
}

// The window presets of the active viewport's image (presets.ts), keys 1–9 in this order.
function PresetMenu({ onChoose, images }: { onChoose: (index: number) => void; images: StackImage[] | undefined }) {
  const { t, i18n: { language } } = useTranslation();
  const first = images?.[0]?.metadata;
  // The presets' names are in the reader's language (presets.ts): again when it changes.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const presets = useMemo(() => presetsForImage(first ?? {}), [first, language]);
  return (
    <select aria-label={t('viewer.presets.label')} title={t('viewer.presets.hint')} value=""
      onChange={(e) => e.target.value !== '' && onChoose(Number(e.target.value))}>
      <option value="">{t('viewer.presets.choose')}</option>
      {presets.map((p, i) => <option key={p.name} value={i}>{p.name} ({p.width}/{p.center})</option>)}
    </select>
  );
}
