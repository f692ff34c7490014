import { IsIn, IsISO8601, IsString, IsUUID } from 'class-validator';
import { BLOCK_SOURCES, BLOCK_TYPES, type BlockSource, type BlockType } from '../control-plane/block';

/** One block as the admin API shows it. */
export class BlockView {
  @IsUUID()
  id!: string;

  @IsIn(BLOCK_TYPES)
  type!: BlockType;

  @IsString()
  value!: string;

  @IsString()
  reason!: string;

  @IsIn(BLOCK_SOURCES)
  source!: BlockSource;

  @IsISO8601()
  createdAt!: string;

  /** The name of the API key that created it (`ADMIN_TOKEN` for the bootstrap token); for an automatic block, the enforcers' key. */
  @IsString()
  createdBy!: string;

  @IsISO8601()
  expiresAt!: string;
}
