// The toolbar's tools for the stack viewports, and the one on the left button (tools.ts).
import { useCallback, useEffect, useState } from 'react';
import type { RenderingEngine } from '@cornerstonejs/core';
import { WindowLevelTool, PanTool, ZoomTool, Enums as ToolEnums } from '@cornerstonejs/tools';
import type { en } from '../i18n/en';
import { MEASUREMENT_TOOLS, stackToolGroup } from './cornerstone';
import { toolBindings } from './tools';

type ToolWord = keyof typeof en.viewer.tools;

// Each tool's words in the toolbar (viewer.tools); a tool without them shows its Cornerstone name.
const TOOL_WORDS: Record<string, ToolWord> = {
  [WindowLevelTool.toolName]: 'windowLevel', [PanTool.toolName]: 'pan', [ZoomTool.toolName]: 'zoom',
  Length: 'length', Angle: 'angle', CobbAngle: 'cobb', EllipticalROI: 'ellipse', RectangleROI: 'rectangle',
  Probe: 'probe', ArrowAnnotate: 'arrow',
};

export interface ToolButton {
  name: string; // Cornerstone's tool name
  label: ToolWord | undefined;
}

// The staff's: window/level, pan, zoom and the measurements.
export const PRIMARY_TOOLS: ToolButton[] = [WindowLevelTool.toolName, PanTool.toolName, ZoomTool.toolName, ...MEASUREMENT_TOOLS.map((t) => t.toolName)]
  .map((name) => ({ name, label: TOOL_WORDS[name] as ToolWord | undefined }));

// A patient's: moving and zooming the picture.
export const SIMPLE_TOOLS = [{ name: PanTool.toolName, label: 'move' }, { name: ZoomTool.toolName, label: 'zoom' }] as const;

export const FIRST_TOOL = { staff: WindowLevelTool.toolName, patient: PanTool.toolName };

export interface Tools {
  active: string; // the tool on the left button
  choose: (name: string) => void;
}

// A study opens with its first tool (window/level; pan for a patient) on the left button,
// whatever the last one was left with.
export function useToolGroup(engine: RenderingEngine | null, first: string): Tools {
  const [active, setActive] = useState<string>(first);
  const choose = useCallback((name: string) => {
    const group = stackToolGroup();
    const { Primary, Auxiliary, Secondary } = ToolEnums.MouseBindings;
    const buttons = { left: Primary, middle: Auxiliary, right: Secondary };
    for (const [tool, binding] of toolBindings(PRIMARY_TOOLS.map((t) => t.name), name, PanTool.toolName, ZoomTool.toolName)) {
      if (binding === 'passive') group.setToolPassive(tool);
      else group.setToolActive(tool, { bindings: [{ mouseButton: buttons[binding] }] });
    }
    setActive(name);
  }, []);
  useEffect(() => {
    if (engine) choose(first);
  }, [engine, choose, first]);
  return { active, choose };
}
