import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { BlockEscalator } from './block-escalator';
import { BlockGuard } from './block-guard';

/** The block list, fed by the policy source, and the automatic escalation that adds to it. */
@Module({ imports: [PoliciesModule], providers: [BlockGuard, BlockEscalator], exports: [BlockGuard, BlockEscalator] })
export class BlocksModule {}
