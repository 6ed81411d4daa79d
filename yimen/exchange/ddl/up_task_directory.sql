-- 事项基本目录：每个事项一行，新版本以更新（U）覆盖。
CREATE TABLE IF NOT EXISTS `up_task_directory` (
  `id` BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
  `row_guid` VARCHAR(50) NOT NULL COMMENT '记录唯一标识',
  `catalog_code` VARCHAR(12) NOT NULL COMMENT '基本编码',
  `local_catalog_code` VARCHAR(50) NULL COMMENT '地方基本编码',
  `task_name` VARCHAR(1000) NOT NULL COMMENT '事项名称',
  `task_type` VARCHAR(2) NOT NULL COMMENT '事项类型',
  `task_state` VARCHAR(2) NOT NULL COMMENT '事项状态',
  `task_version` INT NOT NULL COMMENT '事项版本',
  `use_level` VARCHAR(11) NOT NULL COMMENT '行使层级',
  `by_law` LONGTEXT NOT NULL COMMENT '设定依据',
  `plan_effective_date` DATETIME NULL COMMENT '计划生效日期',
  `plan_cancel_date` DATETIME NULL COMMENT '计划取消日期',
  `cd_batch` VARCHAR(32) NOT NULL COMMENT '批次号',
  `cd_operation` VARCHAR(2) NOT NULL COMMENT '同步类型：I 新增，U 更新，D 删除',
  `cd_time` DATETIME NOT NULL COMMENT '同步时间',
  `data_source` VARCHAR(3) NOT NULL COMMENT '数据来源',
  PRIMARY KEY (`id`),
  KEY `up_task_directory_row_guid` (`row_guid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='事项基本目录';
