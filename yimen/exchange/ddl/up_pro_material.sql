-- 办件材料信息：办件收取的每份材料一行。
CREATE TABLE IF NOT EXISTS `up_pro_material` (
  `id` BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
  `row_guid` VARCHAR(50) NOT NULL COMMENT '记录唯一标识',
  `project_no` VARCHAR(50) NOT NULL COMMENT '办件编号',
  `material_name` VARCHAR(200) NOT NULL COMMENT '材料名称',
  `material_attach_name` VARCHAR(200) NULL COMMENT '附件名称',
  `get_type` VARCHAR(2) NULL COMMENT '收取方式',
  `get_name` VARCHAR(5) NULL COMMENT '收取数量',
  `remark` VARCHAR(1000) NULL COMMENT '备注',
  `cd_batch` VARCHAR(32) NOT NULL COMMENT '批次号',
  `cd_operation` VARCHAR(2) NOT NULL COMMENT '同步类型：I 新增，U 更新，D 删除',
  `cd_time` DATETIME NOT NULL COMMENT '同步时间',
  `data_source` VARCHAR(3) NOT NULL COMMENT '数据来源',
  PRIMARY KEY (`id`),
  KEY `up_pro_material_row_guid` (`row_guid`),
  KEY `up_pro_material_project_no` (`project_no`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='办件材料信息';
