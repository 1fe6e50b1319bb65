import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../infra/local/presenter.js';

describe('the npm start log presenter', () => {
  it('turns a status change into one readable line', () => {
    const line = JSON.stringify({
      level: 'INFO',
      message: 'status changed',
      timestamp: '2026-11-23T12:00:01.000Z',
      orderId: 'ord_1',
      status: 'FAILED_TO_RELEASE',
      actor: 'workflow',
      reason: 'address_undeliverable',
    });

    expect(formatLogLine(line, false)).toBe(
      '12:00:01  ord_1                        FAILED_TO_RELEASE  by workflow  (address_undeliverable)',
    );
  });

  it('keeps warnings short, drops other info lines, and passes plain text through', () => {
    expect(
      formatLogLine(JSON.stringify({ level: 'INFO', message: 'payment verified', timestamp: 'x' }), false),
    ).toBeUndefined();
    expect(
      formatLogLine(
        JSON.stringify({
          level: 'WARN',
          message: 'release rejected',
          orderId: 'ord_2',
          timestamp: '2026-11-23T12:00:02Z',
        }),
        false,
      ),
    ).toBe('12:00:02  WARN ord_2: release rejected');
    expect(formatLogLine('orderflow is ready', false)).toBe('orderflow is ready');
  });
});
