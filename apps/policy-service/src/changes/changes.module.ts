import { Global, Module } from '@nestjs/common';
import { ChangeLog } from './change-log';
import { OutboxSignal } from './outbox-signal';

/** The one way control-plane changes commit (ChangeLog), and the signal that wakes the outbox relay. */
@Global()
@Module({ providers: [ChangeLog, { provide: OutboxSignal, useFactory: () => new OutboxSignal() }], exports: [ChangeLog, OutboxSignal] })
export class ChangesModule {}
