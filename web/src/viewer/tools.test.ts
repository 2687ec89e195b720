import { describe, expect, it } from 'vitest';
import { toolBindings } from './tools';

const TOOLS = ['WindowLevel', 'Pan', 'Zoom', 'Length', 'Angle'];

describe('the mouse buttons of a chosen tool', () => {
  it('puts it on the left button, pan on the middle, zoom on the right, the rest passive', () => {
    expect(toolBindings(TOOLS, 'Length', 'Pan', 'Zoom')).toEqual([
      ['WindowLevel', 'passive'], ['Pan', 'middle'], ['Zoom', 'right'], ['Angle', 'passive'], ['Length', 'left'],
    ]);
  });

  it('gives pan or zoom only the left button when chosen', () => {
    expect(toolBindings(TOOLS, 'Pan', 'Pan', 'Zoom').filter(([t]) => t === 'Pan')).toEqual([['Pan', 'left']]);
    expect(toolBindings(TOOLS, 'Zoom', 'Pan', 'Zoom').at(-1)).toEqual(['Zoom', 'left']);
  });
});
