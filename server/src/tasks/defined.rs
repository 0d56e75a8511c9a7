//! Tasks defined by admins in bosun, for stacks whose compose file they cannot change: the
//! same fields as the labels, checked by the same parser, kept in SQLite per project, service
//! and name. A label task of the same name wins.

use bosun_frontend::authz::Admin;
use bosun_frontend::error::{AppError, parse_field};
use bosun_frontend::model::{DefinedTaskDto, NewDefinedTask, ProjectName, ServiceName, TaskName};

use super::{TasksService, catalog, spec};
use crate::error::OrInternal;
use crate::store::defined_tasks::{DefinedRow, NewDefined};
use crate::store::rfc3339;

fn dto(row: &DefinedRow, hidden: bool) -> DefinedTaskDto {
    DefinedTaskDto {
        id: row.id,
        project: row.project.clone(),
        service: row.service.clone(),
        name: row.name.clone(),
        fields: row.fields(),
        created_by: row.created_by.clone(),
        created_at: rfc3339(row.created_at),
        hidden_by_label: hidden,
    }
}

impl TasksService {
    pub(super) async fn defined_now(
        &self,
        _actor: &Admin,
    ) -> Result<Vec<DefinedTaskDto>, AppError> {
        let rows = self
            .inner
            .store
            .defined_tasks()
            .await
            .or_internal("reading the tasks defined in bosun")?;
        let records = self.inner.engine.inventory().records();
        let hidden = catalog::build(&records, &rows).hidden;
        Ok(rows
            .iter()
            .map(|r| dto(r, hidden.contains(&r.id)))
            .collect())
    }

    pub(super) async fn define_now(
        &self,
        actor: &Admin,
        task: NewDefinedTask,
    ) -> Result<DefinedTaskDto, AppError> {
        let project: ProjectName = parse_field("project", &task.project)?;
        let service: ServiceName = parse_field("service", &task.service)?;
        let name: TaskName = parse_field("name", &task.name)?;
        let fields = task.fields();
        spec::parse(name.as_str(), &fields).map_err(|reason| {
            AppError::bad_request(
                "task",
                format!("This task cannot be used: {reason}. Change it and save again."),
            )
        })?;
        let row = self
            .inner
            .store
            .upsert_defined_task(&NewDefined {
                project: project.as_str(),
                service: service.as_str(),
                name: name.as_str(),
                fields: &fields,
                created_by: actor.username(),
                at_ms: self.inner.clock.now_ms(),
            })
            .await
            .or_internal("saving the task")?;
        self.inner.busy.notify();
        let records = self.inner.engine.inventory().records();
        let hidden = catalog::build(&records, std::slice::from_ref(&row))
            .hidden
            .contains(&row.id);
        Ok(dto(&row, hidden))
    }

    /// Deletes a defined task; its audit target on success.
    pub(super) async fn undefine_now(&self, id: i64) -> Result<String, AppError> {
        let row = self
            .inner
            .store
            .delete_defined_task(id)
            .await
            .or_internal("deleting the task")?
            .ok_or_else(|| {
                AppError::not_found(format!("There is no task #{id} defined in bosun."))
            })?;
        self.inner.busy.notify();
        Ok(format!("{}/{} {}", row.project, row.service, row.name))
    }
}
