import type { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { messageReadSchema, type AckResult } from '@ringcad/contracts';
import {
  parseInput,
  type MessagesService,
  type SafetyService,
  type UnitPrincipal,
} from '@ringcad/core';

type Ack = (r: AckResult<unknown>) => void;

/**
 * The `/terminal` events of 警务通 beyond tasks and positions: read receipts (`message.read`), and
 * on every (re)connect what the terminal may have missed while away: unread messages, a check-in
 * prompt still waiting for its answer, its unit's active emergency.
 */
export function attachTerminalExtras(
  socket: Socket,
  p: UnitPrincipal,
  deps: { messages: MessagesService; safety: SafetyService; logger: Logger },
  answer: (ack: Ack | undefined, fn: () => Promise<unknown>) => void,
) {
  socket.on('message.read', (payload: unknown, ack?: Ack) => {
    answer(ack, () => deps.messages.markRead(parseInput(messageReadSchema, payload).messageId, p));
  });
  socket.emit('terminal.hello', { unitId: p.unitId, callsign: p.callsign });
  void (async () => {
    try {
      for (const m of await deps.messages.unreadFor(p.unitId)) socket.emit('message', m);
      for (const prompt of await deps.safety.openPrompts(p.unitId))
        socket.emit('check-in.prompt', prompt);
      const emergency = await deps.safety.activeFor(p.unitId);
      if (emergency) socket.emit('emergency.raised', emergency);
    } catch (err) {
      deps.logger.error(`terminal redelivery failed: ${(err as Error).message}`);
    }
  })();
}
