-- 电子证照目录异常反馈：被退回的证照目录行（连同 row_guid 与批次号）及异常说明。
CREATE TABLE IF NOT EXISTS `dn_lic_data_error` (
  `id` BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
  `row_guid` VARCHAR(50) NOT NULL COMMENT '被退回记录的 row_guid',
  `certificate_source_id` VARCHAR(128) NOT NULL COMMENT '电子证照源标识',
  `certificate_name` VARCHAR(512) NOT NULL COMMENT '证照名称',
  `certificate_number` VARCHAR(128) NOT NULL COMMENT '证照编码',
  `certificate_type` VARCHAR(256) NOT NULL COMMENT '证照类型名称',
  `certificate_type_code` VARCHAR(64) NOT NULL COMMENT '证照类型代码',
  `certificate_holder` LONGTEXT NOT NULL COMMENT '持证主体',
  `certificate_holder_code` LONGTEXT NOT NULL COMMENT '持证主体代码',
  `certificate_holder_type` VARCHAR(2000) NULL COMMENT '持证主体代码类型',
  `certificate_area_code` VARCHAR(32) NOT NULL COMMENT '证照所属管辖属地编码',
  `issue_dept` LONGTEXT NOT NULL COMMENT '证照颁发机构',
  `issue_dept_code` LONGTEXT NOT NULL COMMENT '证照颁发机构代码',
  `issue_date` VARCHAR(32) NOT NULL COMMENT '证照颁发日期',
  `error_remark` VARCHAR(512) NOT NULL COMMENT '异常说明',
  `cd_batch` VARCHAR(32) NOT NULL COMMENT '被退回记录的批次号',
  `cd_operation` VARCHAR(2) NOT NULL COMMENT '同步类型',
  `cd_time` DATETIME NOT NULL COMMENT '同步时间',
  `data_source` VARCHAR(3) NOT NULL COMMENT '数据来源',
  PRIMARY KEY (`id`),
  KEY `dn_lic_data_error_row_guid` (`row_guid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='电子证照目录异常反馈';
