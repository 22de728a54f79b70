// Every FHIR type this node serves: importing a declaration registers it. Add one line per new type.
import './audit-event.js';
import './claim-response.js';
import './condition.js';
import './coverage.js';
import './diagnostic-report.js';
import './encounter.js';
import './observation.js';
import './organization.js';
import './patient.js';
import './practitioner.js';
import './scheduling.js';
// Task, with its dispensing operations, is declared beside them.
import '../../prescriptions/fhir-task.js';
