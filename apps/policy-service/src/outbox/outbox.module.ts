import { Module, type DynamicModule } from '@nestjs/common';
import { OutboxRelayService, RELAY_HOOKS, type RelayHooks } from './outbox-relay.service';

/** The in-process outbox relay. `hooks` are a test seam (a crash between publish and mark). */
@Module({})
export class OutboxModule {
  static register(hooks: RelayHooks = {}): DynamicModule {
    return { module: OutboxModule, providers: [OutboxRelayService, { provide: RELAY_HOOKS, useValue: hooks }], exports: [OutboxRelayService] };
  }
}
