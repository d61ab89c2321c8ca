{{- /* Verbatim copy of crds/pgferry.io_pgmigrations.yaml; tests/chart/chart_test.sh checks it. */ -}}
{{- define "pgferry.crd.pgmigrations" -}}
# PgMigration: moves PostgreSQL databases from a source to a destination server (DESIGN.md,
# "The API"). This file is the source of truth for the API schema; reconcilers/api/migration.h
# mirrors it field for field.
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: pgmigrations.pgferry.io
spec:
  group: pgferry.io
  names:
    kind: PgMigration
    listKind: PgMigrationList
    plural: pgmigrations
    singular: pgmigration
    shortNames: [pgm]
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Status
      type: string
      description: Phase of the migration.
      jsonPath: .status.phase
    - name: Method
      type: string
      description: Method used by every database ("" when they differ).
      jsonPath: .status.method
    - name: Databases
      type: string
      description: Databases done or syncing / databases selected.
      jsonPath: .status.progress
    - name: Lag
      type: integer
      description: Largest replication lag among the databases, in bytes.
      jsonPath: .status.lagBytes
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    - name: Error
      type: string
      description: Why the migration failed or stalled.
      jsonPath: .status.error
      priority: 1
    schema:
      openAPIV3Schema:
        type: object
        description: >-
          PgMigration moves PostgreSQL databases (roles, schema and data) from a source server
          to a destination server, keeping them in sync with logical replication when possible
          and copying the data once otherwise.
        properties:
          apiVersion:
            type: string
            description: APIVersion defines the versioned schema of this representation of an object.
          kind:
            type: string
            description: Kind is a string value representing the REST resource this object represents.
          metadata:
            type: object
          spec:
            type: object
            description: What to migrate, from where to where, and how.
            required: [source, destination]
            x-kubernetes-validations:
            - rule: self.source.host != self.destination.host || self.source.port != self.destination.port
              fieldPath: .destination
              message: source and destination must be different servers (host or port must differ)
            properties:
              source:
                description: The server the databases are copied from. It is only read, except
                  for the publication and replication slot pgferry creates and drops.
                type: object
                required: [host, credentialsSecretRef]
                properties:
                  host:
                    type: string
                    minLength: 1
                    maxLength: 253
                    description: Host name or IP address of the PostgreSQL server.
                  port:
                    type: integer
                    format: int32
                    minimum: 1
                    maximum: 65535
                    default: 5432
                    description: TCP port of the PostgreSQL server.
                  dbname:
                    type: string
                    minLength: 1
                    maxLength: 63
                    default: postgres
                    description: Bootstrap database used to connect and list the databases.
                  sslMode:
                    type: string
                    enum: [disable, allow, prefer, require, verify-ca, verify-full]
                    default: prefer
                    description: libpq sslmode for connections to this server.
                  sslRootCertSecretRef:
                    type: object
                    description: Secret key holding the CA certificate(s) used to verify the
                      server (for sslMode verify-ca or verify-full).
                    required: [name, key]
                    properties:
                      name:
                        type: string
                        minLength: 1
                        maxLength: 253
                        description: Name of the Secret, in the PgMigration's namespace.
                      key:
                        type: string
                        minLength: 1
                        description: Key within the Secret.
                  credentialsSecretRef:
                    type: object
                    description: Secret holding the user name and password pgferry connects with.
                    required: [name]
                    properties:
                      name:
                        type: string
                        minLength: 1
                        maxLength: 253
                        description: Name of the Secret, in the PgMigration's namespace.
                      usernameKey:
                        type: string
                        minLength: 1
                        default: username
                        description: Key of the user name in the Secret.
                      passwordKey:
                        type: string
                        minLength: 1
                        default: password
                        description: Key of the password in the Secret.
                  connectTimeoutSeconds:
                    type: integer
                    format: int32
                    minimum: 1
                    default: 10
                    description: Seconds to wait for a connection before giving up.
              destination:
                description: The server the databases are copied to.
                type: object
                required: [host, credentialsSecretRef]
                properties:
                  host:
                    type: string
                    minLength: 1
                    maxLength: 253
                    description: Host name or IP address of the PostgreSQL server.
                  port:
                    type: integer
                    format: int32
                    minimum: 1
                    maximum: 65535
                    default: 5432
                    description: TCP port of the PostgreSQL server.
                  dbname:
                    type: string
                    minLength: 1
                    maxLength: 63
                    default: postgres
                    description: Bootstrap database used to connect and list the databases.
                  sslMode:
                    type: string
                    enum: [disable, allow, prefer, require, verify-ca, verify-full]
                    default: prefer
                    description: libpq sslmode for connections to this server.
                  sslRootCertSecretRef:
                    type: object
                    description: Secret key holding the CA certificate(s) used to verify the
                      server (for sslMode verify-ca or verify-full).
                    required: [name, key]
                    properties:
                      name:
                        type: string
                        minLength: 1
                        maxLength: 253
                        description: Name of the Secret, in the PgMigration's namespace.
                      key:
                        type: string
                        minLength: 1
                        description: Key within the Secret.
                  credentialsSecretRef:
                    type: object
                    description: Secret holding the user name and password pgferry connects with.
                    required: [name]
                    properties:
                      name:
                        type: string
                        minLength: 1
                        maxLength: 253
                        description: Name of the Secret, in the PgMigration's namespace.
                      usernameKey:
                        type: string
                        minLength: 1
                        default: username
                        description: Key of the user name in the Secret.
                      passwordKey:
                        type: string
                        minLength: 1
                        default: password
                        description: Key of the password in the Secret.
                  connectTimeoutSeconds:
                    type: integer
                    format: int32
                    minimum: 1
                    default: 10
                    description: Seconds to wait for a connection before giving up.
              method:
                type: string
                enum: [auto, replication, dump, schema_only]
                default: auto
                description: 'auto uses logical replication when its preconditions hold and
                  copies the data once otherwise (recording why); replication fails a database
                  instead of falling back; dump copies the data once; schema_only stops after
                  the schema.'
              databases:
                type: object
                default: {}
                description: Which databases to migrate. Template databases are never migrated.
                x-kubernetes-validations:
                - rule: '!(has(self.include) && size(self.include) > 0 && has(self.exclude) && size(self.exclude) > 0)'
                  message: include and exclude are mutually exclusive
                properties:
                  include:
                    type: array
                    description: Databases to migrate; empty means all of them.
                    items:
                      type: string
                      minLength: 1
                      maxLength: 63
                  exclude:
                    type: array
                    description: Databases to skip.
                    items:
                      type: string
                      minLength: 1
                      maxLength: 63
              tables:
                type: object
                default: {}
                description: 'Which tables to copy: "table", "schema.table" or
                  "db.schema.table", parts may be double-quoted. Set include or exclude, not both.'
                x-kubernetes-validations:
                - rule: '!(has(self.include) && size(self.include) > 0 && has(self.exclude) && size(self.exclude) > 0)'
                  message: include and exclude are mutually exclusive
                properties:
                  include:
                    type: array
                    description: Only these tables; empty means all of them.
                    items:
                      type: string
                      minLength: 1
                  exclude:
                    type: array
                    description: Tables to skip.
                    items:
                      type: string
                      minLength: 1
              replicateExtensionTables:
                type: boolean
                default: true
                description: Also replicate the tables that belong to extensions.
              roles:
                type: object
                default: {}
                description: Role migration. Passwords cannot be read from the source; created
                  login roles get generated placeholder passwords in the Secret
                  <name>-role-passwords.
                properties:
                  migrate:
                    type: boolean
                    default: true
                    description: Create the source's roles on the destination.
                  exclude:
                    type: array
                    description: Roles not to migrate.
                    items:
                      type: string
                      minLength: 1
              extensions:
                type: object
                default: {}
                description: Extension handling.
                properties:
                  exclude:
                    type: array
                    description: Extensions not to create on the destination.
                    items:
                      type: string
                      minLength: 1
              createDatabases:
                type: boolean
                default: true
                description: Create missing databases on the destination; false requires every
                  database to exist already.
              replication:
                type: object
                default: {}
                description: Logical replication settings.
                properties:
                  maxLagBytes:
                    type: integer
                    format: int64
                    minimum: 0
                    default: 0
                    description: A database counts as in sync when its replication lag is at
                      most this many bytes.
                  cutover:
                    type: boolean
                    default: false
                    description: Once in sync, synchronise sequences, drop the replication
                      objects and finish (phase Done).
                  syncSequences:
                    type: boolean
                    default: true
                    description: Copy sequence values to the destination at cutover.
              dump:
                type: object
                default: {}
                description: Settings for the one-time data copy.
                properties:
                  jobs:
                    type: integer
                    format: int32
                    minimum: 1
                    maximum: 64
                    default: 2
                    description: Number of tables copied in parallel.
              cleanupPolicy:
                type: string
                enum: [Delete, Retain]
                default: Delete
                description: What deleting the PgMigration does to the publications,
                  replication slots and subscriptions pgferry created.
              suspend:
                type: boolean
                default: false
                description: Stop reconciling this migration until set back to false.
              verify:
                type: string
                enum: [none, counts, checksums]
                default: none
                description: Compare every table on both servers before a database is done
                  (after a one-time copy, under its snapshot; before a cutover drops the
                  replication objects). counts compares row counts, checksums also each row's
                  contents. A difference fails the copy or holds the cutover back.
          status:
            type: object
            description: What pgferry observed and did. Written only by pgferry.
            properties:
              observedGeneration:
                type: integer
                format: int64
                description: The metadata.generation this status describes.
              phase:
                type: string
                enum: [Pending, Validating, Running, Syncing, CuttingOver, Done, Failed, Deleting]
                description: Phase of the whole migration.
              method:
                type: string
                enum: ["", replication, pg_dump, schema_only]
                description: Method used by every database, "" when they used different ones.
              error:
                type: string
                nullable: true
                description: Why the migration failed or stalled; null when it did not.
              progress:
                type: string
                description: Databases done or syncing / databases selected, e.g. "2/3".
              lagBytes:
                type: integer
                format: int64
                description: The largest lagBytes among the databases.
              startTime:
                type: string
                format: date-time
                description: When pgferry started working on this migration.
              completionTime:
                type: string
                format: date-time
                description: When the migration reached Done.
              migrationId:
                type: string
                description: Short id used in the names of the replication objects.
              databases:
                type: array
                description: Per database outcome.
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [dbname]
                items:
                  type: object
                  required: [dbname]
                  properties:
                    dbname:
                      type: string
                      description: Database name.
                    method:
                      type: string
                      enum: ["", replication, pg_dump, schema_only]
                      description: Method used for this database, "" before it is decided.
                    status:
                      type: string
                      enum: [pending, running, syncing, done, failed]
                      description: Where this database is.
                    error:
                      type: string
                      nullable: true
                      description: The fallback reason or the server's message; null when none.
                    tablesTotal:
                      type: integer
                      format: int64
                      description: Tables selected in this database.
                    tablesSynced:
                      type: integer
                      format: int64
                      description: Tables whose initial copy is finished.
                    lagBytes:
                      type: integer
                      format: int64
                      description: Replication lag of this database in bytes.
                    walRetainedBytes:
                      type: integer
                      format: int64
                      description: WAL the replication slot keeps on the source (current WAL
                        position minus the slot's restart_lsn); 0 once the slot is dropped.
                    rowsCopied:
                      type: integer
                      format: int64
                      description: Rows copied by the one-time data copy.
                    bytesCopied:
                      type: integer
                      format: int64
                      description: Bytes copied by the one-time data copy.
                    replicationObjects:
                      type: object
                      description: The replication objects pgferry created for this database;
                        cleanup drops only these.
                      properties:
                        publication:
                          type: string
                          description: Publication on the source.
                        slot:
                          type: string
                          description: Replication slot on the source.
                        subscription:
                          type: string
                          description: Subscription on the destination.
                    warnings:
                      type: array
                      description: Ignorable problems, such as restore errors that were skipped.
                      items:
                        type: string
                    sequencesSynced:
                      type: object
                      description: Sequence values copied at cutover, by sequence name.
                      additionalProperties:
                        type: integer
                        format: int64
                    verification:
                      type: object
                      description: What spec.verify found, the last time it compared the database.
                      properties:
                        mode:
                          type: string
                          description: counts or checksums.
                        result:
                          type: string
                          description: passed or failed.
                        tables:
                          type: integer
                          format: int64
                          description: Tables compared.
                        rows:
                          type: integer
                          format: int64
                          description: Rows on the source over the tables compared.
                        differing:
                          type: integer
                          format: int64
                          description: Tables that differ (mismatches names the first 20).
                        mismatches:
                          type: array
                          description: The tables that differ and how (the first 20).
                          items:
                            type: string
                        time:
                          type: string
                          description: When the comparison ended (RFC 3339).
              roles:
                type: array
                description: Per role outcome. Never contains a password.
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [rolname]
                items:
                  type: object
                  required: [rolname]
                  properties:
                    rolname:
                      type: string
                      description: Role name.
                    status:
                      type: string
                      enum: [created, exists, failed]
                      description: What happened to the role on the destination.
                    error:
                      type: string
                      nullable: true
                      description: Why creating the role failed; null when it did not.
              conditions:
                type: array
                description: 'Ready, Reconciling, Stalled (read by kstatus-based tools such as
                  Flux and kubectl wait), Validated and InSync.'
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [type]
                items:
                  type: object
                  description: Condition contains details for one aspect of the current state
                    of this API Resource.
                  required: [type, status, lastTransitionTime, reason, message]
                  properties:
                    type:
                      type: string
                      maxLength: 316
                      pattern: ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$
                      description: Type of condition in CamelCase.
                    status:
                      type: string
                      enum: ["True", "False", "Unknown"]
                      description: Status of the condition, one of True, False, Unknown.
                    observedGeneration:
                      type: integer
                      format: int64
                      minimum: 0
                      description: The metadata.generation the condition was set for.
                    lastTransitionTime:
                      type: string
                      format: date-time
                      description: Last time the condition changed from one status to another.
                    reason:
                      type: string
                      minLength: 1
                      maxLength: 1024
                      pattern: ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$
                      description: Programmatic identifier of the reason for the last transition,
                        in CamelCase.
                    message:
                      type: string
                      maxLength: 32768
                      description: Human readable message about the transition; may be empty.
{{- end }}
