import type { PipeTransform } from '@nestjs/common';
import { ADMIN_MESSAGES, CHECK_BOUNDS, isPrintable, POLICY_RULES } from '@rl/contracts';
import { InvalidInputError } from '../errors/api-errors';

/** A path parameter checked by `test`; anything else is a 400 naming the parameter. */
abstract class PathParamPipe<T> implements PipeTransform<string, T> {
  /** `param`: the name reported in the error, `id` unless given. */
  constructor(private readonly param = 'id') {}

  protected abstract readonly message: string;
  protected abstract parse(value: string): T | undefined;

  transform(value: string): T {
    const parsed = this.parse(value);
    if (parsed === undefined) throw new InvalidInputError([{ path: this.param, message: this.message }]);
    return parsed;
  }
}

export class PolicyIdPipe extends PathParamPipe<string> {
  protected readonly message = ADMIN_MESSAGES.policyId;
  protected parse(value: string): string | undefined {
    return POLICY_RULES.id.pattern.test(value) ? value : undefined;
  }
}

export class CustomerIdPipe extends PathParamPipe<string> {
  protected readonly message = ADMIN_MESSAGES.customerId;
  protected parse(value: string): string | undefined {
    return isPrintable(value, CHECK_BOUNDS.customerIdMaxLength) ? value : undefined;
  }
}

export class VersionPipe extends PathParamPipe<number> {
  constructor() {
    super('version');
  }

  protected readonly message = ADMIN_MESSAGES.version;
  protected parse(value: string): number | undefined {
    const version = /^[1-9]\d{0,15}$/.test(value) ? Number(value) : NaN;
    return Number.isSafeInteger(version) ? version : undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class UuidPipe extends PathParamPipe<string> {
  protected readonly message = 'must be a UUID';
  protected parse(value: string): string | undefined {
    return UUID.test(value) ? value.toLowerCase() : undefined;
  }
}
