import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, SwaggerModule } from '@nestjs/swagger';
import {
  AnalyticsPointView,
  AnalyticsTimeseriesQueryDto,
  AnalyticsTimeseriesView,
  AnalyticsTopItemView,
  AnalyticsTopQueryDto,
  AnalyticsTopView,
  ApiKeyListView,
  AssignTierDto,
  AuditPageView,
  AuditQueryDto,
  CounterPolicyRefDto,
  CounterQueryDto,
  CounterStateDto,
  CreateApiKeyDto,
  CreatedApiKeyView,
  CreatePolicyDto,
  CreateTierDto,
  CustomerAssignmentView,
  CustomerListView,
  CustomerView,
  EnvoyDescriptorEntryView,
  EnvoyDescriptorMatchView,
  EnvoyImportQueryDto,
  EnvoyImportView,
  EnvoyPolicyMatchView,
  EnvoyPolicyView,
  EnvoyRuleView,
  ErrorView,
  ExplainCheckDto,
  GlobalKeySummaryView,
  GlobalKeyUsageView,
  GlobalPolicyUsageView,
  GlobalRegionUsageView,
  GlobalUsageQueryDto,
  OverrideListView,
  OverrideView,
  PolicyListView,
  PolicyVersionListView,
  PolicyVersionView,
  PolicyView,
  ReplacePolicyDto,
  ReplaceTierDto,
  RollbackPolicyDto,
  SetLimitDto,
  SnapshotView,
  TierListView,
  TierView,
  WhoAmIView,
} from '@rl/contracts';
import { documentDtos } from './document-dtos';

const DTOS = [
  CreatePolicyDto,
  ReplacePolicyDto,
  RollbackPolicyDto,
  AssignTierDto,
  SetLimitDto,
  CreateApiKeyDto,
  AuditQueryDto,
  PolicyView,
  PolicyListView,
  PolicyVersionView,
  PolicyVersionListView,
  CustomerView,
  CustomerListView,
  CustomerAssignmentView,
  OverrideView,
  OverrideListView,
  ApiKeyListView,
  CreatedApiKeyView,
  AuditPageView,
  ErrorView,
  SnapshotView,
  EnvoyImportQueryDto,
  EnvoyImportView,
  EnvoyPolicyView,
  EnvoyPolicyMatchView,
  EnvoyDescriptorMatchView,
  EnvoyDescriptorEntryView,
  EnvoyRuleView,
  GlobalUsageQueryDto,
  GlobalRegionUsageView,
  GlobalKeyUsageView,
  GlobalKeySummaryView,
  GlobalPolicyUsageView,
  AnalyticsTopQueryDto,
  AnalyticsTimeseriesQueryDto,
  AnalyticsTopItemView,
  AnalyticsTopView,
  AnalyticsPointView,
  AnalyticsTimeseriesView,
  CreateTierDto,
  ReplaceTierDto,
  TierView,
  TierListView,
  WhoAmIView,
  CounterQueryDto,
  CounterPolicyRefDto,
  CounterStateDto,
  ExplainCheckDto,
];

let documented = false;

/** OpenAPI from the controllers and the contracts DTOs; Swagger UI at /docs (assets served locally), the document at /docs/openapi.json. */
export function setupOpenApi(app: INestApplication): void {
  if (!documented) {
    documentDtos(DTOS, {
      'SnapshotView.customers': {
        type: 'object',
        additionalProperties: { $ref: getSchemaPath(CustomerAssignmentView) },
        description: 'customer id -> { tier }',
      },
    });
    documented = true;
  }
  const config = new DocumentBuilder()
    .setTitle('Rate limiter policy service')
    .setDescription(
      'The control plane: versioned policies, customer tiers and overrides, propagated to every enforcer through NATS JetStream. ' +
        'Every route needs `Authorization: Bearer <token>`; roles: viewer (read), editor (change policies, customers, tiers, overrides, blocks), admin (API keys), ' +
        'and enforcer (read the snapshot, create automatic blocks; nothing else).',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque',
      description:
        'An opaque API key: `rlk_` and 43 base64url characters from `POST /v1/api-keys`, or the `ADMIN_TOKEN` / `ENFORCER_API_KEY` the service was started with. ' +
        'Not a JWT: it carries no claims; the service looks up its SHA-256 and the role stored with it.',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [CustomerAssignmentView] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}
